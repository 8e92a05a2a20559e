/**
 * A fetch for the OpenAI and Anthropic SDK clients that answers from a
 * script instead of the network: each call takes the next reply. Lets the
 * tests run the real SDKs (request building, SSE parsing, retries) offline.
 */
export type Reply =
  | { json: unknown; status?: number }
  | { sse: Array<{ event?: string; data: unknown }> }
  | { error: string; status: number };

export interface FakeFetch {
  fetch: typeof fetch;
  /** The parsed request bodies, in order. */
  requests: unknown[];
}

export function fakeFetch(replies: Reply[]): FakeFetch {
  const queue = [...replies];
  const requests: unknown[] = [];
  const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
    requests.push(typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body);
    const reply = queue.shift();
    if (!reply) throw new Error('fake fetch: no scripted reply left');
    const headers = { 'content-type': 'application/json', 'x-request-id': `req_${requests.length}` };
    if ('error' in reply) return new Response(JSON.stringify({ error: { type: 'api_error', message: reply.error } }), { status: reply.status, headers });
    if ('json' in reply) return new Response(JSON.stringify(reply.json), { status: reply.status ?? 200, headers });
    const text = reply.sse.map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`).join('');
    return new Response(text, { status: 200, headers: { ...headers, 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
  return { fetch: fetchFn, requests };
}
