/**
 * The runs rollup script (exporters/elasticsearch/run-rollup.ts) is written
 * in the subset of painless that reads as JavaScript once its types and a
 * few Java calls are rewritten; this runs it as is, so its logic is tested
 * without Elasticsearch. Painless compilation itself is not checked.
 */
export class JList<T> extends Array<T> {
  add(v: T): void {
    this.push(v);
  }
  contains(v: T): boolean {
    return this.includes(v);
  }
  isEmpty(): boolean {
    return this.length === 0;
  }
  size(): number {
    return this.length;
  }
  subList(from: number, to: number): JList<T> {
    return JList.from(this.slice(from, to)) as JList<T>;
  }
}

class JSet<T> extends Set<T> {
  contains(v: T): boolean {
    return this.has(v);
  }
}

export interface ScriptContext {
  _source: Record<string, unknown>;
  op: string;
}

export type Script = (ctx: ScriptContext, params: unknown) => void;

export function painlessAsJs(source: string): Script {
  const js = source
    .replace(/\(\(Number\) ([\w.]+)\)\.(?:longValue|intValue)\(\)/g, 'Number($1)')
    .replace(/for \(def (\w+) : ([\w.]+)\)/g, 'for (const $1 of $2)')
    .replace(/\b(?:def|boolean|long|int|Set|List) (\w+) =/g, 'let $1 =')
    .replace(/new ArrayList\(\)/g, 'new JList()')
    .replace(/new HashSet\(([\w.]+)\)/g, 'new JSet($1)')
    .replace(/Collections\.sort\((\w+)\)/g, '$1.sort()');
  const fn = new Function('ctx', 'params', 'JList', 'JSet', js) as (...a: unknown[]) => void;
  return (ctx, params) => {
    // a stored run's lists come back from JSON as plain arrays; painless has them as ArrayLists
    if (Array.isArray(ctx._source.applied)) ctx._source.applied = JList.from(ctx._source.applied);
    fn(ctx, params, JList, JSet);
  };
}
