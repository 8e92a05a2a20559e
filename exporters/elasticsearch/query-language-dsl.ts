import type { estypes } from '@elastic/elasticsearch';
import type { FieldTest, PathRoot, QueryColumn, QueryExpr } from '../../model/query-language.js';
import { PAIR_SEPARATOR } from '../../model/query-leaves.js';
import { UnsupportedQueryError } from '../store.js';
import { fullTextQuery } from './fulltext-dsl.js';
import { escapeWildcard } from './search-fold.js';

type Query = estypes.QueryDslQueryContainer;

/**
 * A `query` expression (model/query-language.ts) as Elasticsearch DSL, each
 * operator meaning what it means on SQLite (query-language-sql.ts; the
 * conformance suite holds both to the same answers): keyword terms and
 * case-sensitive wildcards, numeric ranges on numeric fields, `exists`, and
 * paths through the `*_pairs` wildcard fields, which hold each leaf as
 * `<path>\0<value>` (model/query-leaves.ts, written by entry-document.ts),
 * and extracted entities through their keyword fields `entities.<type>`
 * (entity-mapping.ts).
 * What a mapping cannot answer exactly is refused (a 400), never answered
 * differently.
 */

const COLUMN_FIELD: Record<QueryColumn, string | null> = {
  id: 'id', name: 'name', outcome: 'outcome', kind: 'kind', agent_id: 'agent_id', model: 'model', provider: 'provider',
  service_name: 'service_name', user_id: 'user_id', run_id: 'run_id', trace_id: 'trace_id', span_id: 'span_id',
  parent_span_id: 'parent_span_id', organization_id: 'organization_id', status_message: null, cost_usd: 'cost_nanos',
  duration_ms: 'duration_ms', input_tokens: 'input_tokens', output_tokens: 'output_tokens', total_tokens: 'total_tokens',
  redactions: 'redactions', timestamp: 'ts_us', end_timestamp: 'end_us', tags: 'tags', truncated_fields: 'truncated_fields',
};

export const PAIR_FIELD: Record<PathRoot, string> = {
  inputs: 'inputs_pairs', outputs: 'outputs_pairs', compliance_metadata: 'compliance_pairs', attributes: 'attributes_pairs',
};

function valueQuery(field: string, test: FieldTest): Query {
  switch (test.op) {
    case 'eq':
      return { term: { [field]: { value: test.value } } };
    case 'wildcard':
      return { wildcard: { [field]: { value: test.pieces.map(escapeWildcard).join('*') } } };
    case 'exists':
      return { exists: { field } };
    case 'range': {
      const { op: _op, ...bounds } = test;
      return { range: { [field]: bounds } };
    }
  }
}

function pathQuery(root: PathRoot, path: string, test: FieldTest, name: string): Query {
  const field = PAIR_FIELD[root];
  if (path === '') return { exists: { field } };
  const key = `${path}${PAIR_SEPARATOR}`;
  switch (test.op) {
    case 'eq':
      return { term: { [field]: { value: `${key}${test.value}` } } };
    case 'exists':
      return { prefix: { [field]: { value: key } } };
    case 'wildcard':
      return { wildcard: { [field]: { value: `${escapeWildcard(key)}${test.pieces.map(escapeWildcard).join('*')}` } } };
    case 'range':
      throw new UnsupportedQueryError(
        `\`query\`: the Elasticsearch store cannot compare \`${name}\` with a range: paths inside ${root} are indexed as text pairs, ` +
          'not numbers (use an exact value or a wildcard there, or the SQLite store)',
      );
  }
}

/** A keyword list: a wildcard that is only a trailing `*` is a prefix query (a term range), the rest as on any keyword. */
function entityQuery(field: string, test: FieldTest): Query {
  if (test.op === 'wildcard' && test.pieces.length === 2 && test.pieces[1] === '' && test.pieces[0] !== '') {
    return { prefix: { [field]: { value: test.pieces[0] } } };
  }
  return valueQuery(field, test);
}

export function queryLanguageDsl(expr: QueryExpr): Query {
  switch (expr.type) {
    case 'and':
      return { bool: { filter: expr.children.map(queryLanguageDsl) } };
    case 'or':
      return { bool: { should: expr.children.map(queryLanguageDsl), minimum_should_match: 1 } };
    case 'not':
      return { bool: { must_not: [queryLanguageDsl(expr.child)] } };
    case 'text':
      return fullTextQuery(expr.query);
    case 'field': {
      const f = expr.field;
      if (f.kind === 'path') return pathQuery(f.root, f.path, expr.test, `${f.root}${f.path ? `.${f.path}` : ''}`);
      if (f.kind === 'entity') return entityQuery(`entities.${f.type}`, expr.test);
      const field = COLUMN_FIELD[f.column];
      if (field === null) {
        throw new UnsupportedQueryError(`\`query\`: the Elasticsearch store does not index \`${f.column}\` (search its words as bare words, as \`q\`)`);
      }
      return valueQuery(field, expr.test);
    }
  }
}
