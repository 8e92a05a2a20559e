import { BaseConnection, Client } from '@elastic/elasticsearch';

/**
 * A real @elastic/elasticsearch Client whose connection answers from a
 * handler instead of a server: requests go through the client's own
 * serialisation (NDJSON bulks, query strings), so tests see what would be
 * sent on the wire.
 */
export interface SentRequest {
  method: string;
  path: string;
  querystring: string;
  /** Parsed JSON; a bulk's NDJSON as an array of its lines. */
  body: any;
  /** The body's size on the wire. */
  bytes: number;
}

export interface FakeReply {
  status?: number;
  body: unknown;
}

export type FakeHandler = (req: SentRequest) => FakeReply;

function parseBody(raw: unknown, path: string): unknown {
  if (raw === null || raw === undefined || raw === '') return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  // a bulk is NDJSON even when it is one line (a delete has no source line)
  if (path.endsWith('/_bulk')) return text.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  try {
    return JSON.parse(text);
  } catch {
    return text.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  }
}

export function fakeClient(handler: FakeHandler): { client: Client; requests: SentRequest[] } {
  const requests: SentRequest[] = [];
  class FakeConnection extends BaseConnection {
    override async request(params: any): Promise<any> {
      const raw = params.body ?? '';
      const bytes = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(String(raw));
      const req: SentRequest = { method: params.method, path: params.path, querystring: params.querystring ?? '', body: parseBody(params.body, params.path), bytes };
      requests.push(req);
      const reply = handler(req);
      return {
        statusCode: reply.status ?? 200,
        headers: { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' },
        body: JSON.stringify(reply.body),
      };
    }

    override async close(): Promise<void> {}
  }
  const client = new Client({ node: 'http://fake-elasticsearch:9200', Connection: FakeConnection, maxRetries: 0 });
  return { client, requests };
}

/** A search response holding these hits (with `sort` values) and total. */
export function searchReply(hits: Array<{ _id: string; _source?: unknown; sort?: unknown[] }>, total = hits.length, extra: Record<string, unknown> = {}): FakeReply {
  return {
    body: {
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { total: { value: total, relation: 'eq' }, max_score: null, hits: hits.map((h) => ({ _index: 'x', _score: null, ...h })) },
      ...extra,
    },
  };
}
