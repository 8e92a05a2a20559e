import { request } from './api.js';

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Server-Sent Events over fetch, so the credential travels in the
 * Authorization header (EventSource cannot send one). Reconnects after a
 * drop with Last-Event-ID, as EventSource would; stops on abort or a 4xx.
 */
export async function followStream(path: string, onEvent: (e: SseEvent) => void, signal: AbortSignal, onState: (s: string) => void): Promise<void> {
  let lastId: string | null = null;
  let retryMs = 1000;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      const res = await request(path, { headers, signal });
      onState('live');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: SseEvent = { id: null, event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line === '' || line.startsWith(':')) continue; // a comment: heartbeat
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(val);
            else if (field === 'event') e.event = val;
            else if (field === 'id') e.id = val;
            else if (field === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
          }
          if (e.id !== null) lastId = e.id;
          if (data.length) onEvent({ ...e, data: data.join('\n') });
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      const status = (err as { status?: number }).status;
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        onState(`stopped: ${(err as Error).message}`);
        return;
      }
    }
    if (signal.aborted) return;
    onState('reconnecting…');
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
