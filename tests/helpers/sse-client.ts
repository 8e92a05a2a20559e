import http from 'node:http';

export interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

/** One open Server-Sent Events stream, parsed as EventSource would (events, ids, comments and retry seen). */
export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Dispatched events (those with data). */
  events: SseEvent[];
  /** Comment lines, without the colon (`' ping'`). */
  comments: string[];
  /** The last `id:` seen, with or without an event: what EventSource sends back as Last-Event-ID. */
  lastId: string | null;
  retry: number | null;
  /** The body as received, when the answer was not a stream (an error). */
  text: string;
  ended: Promise<void>;
  close(): void;
  /** Resolves once `predicate` holds of the events (polls), else rejects after `timeoutMs`. */
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
}

export function openStream(base: string, path: string, headers: Record<string, string>): Promise<SseStream> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      let buffer = '';
      let endedResolve!: () => void;
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        comments: [],
        lastId: null,
        retry: null,
        text: '',
        ended: new Promise((r) => (endedResolve = r)),
        close: () => req.destroy(),
        async waitFor(predicate, timeoutMs = 15_000) {
          const until = Date.now() + timeoutMs;
          while (!predicate(stream.events)) {
            if (Date.now() > until) throw new Error(`timed out; events so far: ${JSON.stringify(stream.events.map((e) => e.data.slice(0, 80)))}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        },
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        stream.text += stream.status === 200 ? '' : chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data: string[] = [];
          let event = 'message';
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              stream.comments.push(line.slice(1));
              continue;
            }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(value);
            else if (field === 'event') event = value;
            else if (field === 'id') stream.lastId = value;
            else if (field === 'retry') stream.retry = Number(value);
          }
          if (data.length) stream.events.push({ event, id: stream.lastId, data: data.join('\n') });
        }
      });
      res.on('end', () => endedResolve());
      res.on('error', () => endedResolve());
      res.on('close', () => endedResolve());
      resolve(stream);
    });
    req.on('error', reject);
    req.end();
  });
}
