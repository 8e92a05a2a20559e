import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { LedgerFilter, LedgerTail, TailEntry, TailPosition } from '../../exporters/store.js';
import { tailEntryMatches } from '../../exporters/tail-filter.js';
import { ApiError } from '../api-error.js';

/** config/schema.ts `stream`. */
export interface StreamSettings {
  max_per_credential: number;
  max_clients: number;
  poll_ms: number;
  heartbeat_ms: number;
  max_buffer_bytes: number;
  /** Rows a resume may read before it gives up on replaying (a `gap` event) and joins the live poll. */
  max_replay_rows: number;
}

/** Where one stream writes (the route's response). */
export interface StreamSink {
  /** false: the client is behind, wait for `drained` before writing more. */
  write(text: string): boolean;
  /** Bytes written and not yet taken by the client's connection. */
  buffered(): number;
  drained(): Promise<void>;
  end(): void;
}

/** Rows one poll reads for every stream together; a full batch polls again at once. */
const ROWS_PER_POLL = 1000;
/** Rows a resuming stream reads from the store at a time, between its own writes. */
const CATCH_UP_ROWS = 500;
/** Matching rows that arrive for a stream while it is still catching up are kept (at most this many) and sent after. */
const MAX_PENDING_ROWS = 50_000;

/** What EventSource (and the console) wait before reconnecting. */
export const RETRY_MS = 3000;

interface Subscriber {
  filter: LedgerFilter;
  sink: StreamSink;
  position: Map<string, number>;
  /** Matching rows of the shared poll held while the stream catches up from its Last-Event-ID; null once live. */
  pending: TailEntry[] | null;
  credential: string;
  closed: boolean;
}

/**
 * The streams of one process over one shared poll: every poll_ms one read of
 * the store's tail by position (at most ROWS_PER_POLL rows), handed to every
 * stream, which filters it in memory with its scope and filters. The poll
 * runs only while a stream is open. A stream keeps its own position (the
 * last seq per source it has passed, matching or not), so a row is sent at
 * most once whichever way it arrives, and its `id:` is that position: a
 * reconnect with it as Last-Event-ID first reads what it missed, up to the
 * shared poll's position, then joins the poll. A client that lets more than
 * max_buffer_bytes pile up is disconnected: it resumes from its last id.
 */
export class TailHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perCredential = new Map<string, number>();
  /** The shared poll's position; null while no stream is open. */
  private head: Map<string, number> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;

  private readonly key: Buffer;

  /**
   * `secret` seals the positions handed out as `id:` (AES-256-GCM): a position
   * counts every organization's rows per day file, which a tenant must not
   * read, and a forged one must not start a replay. Processes sharing the
   * secret (the deployment's key pepper) accept each other's ids.
   */
  constructor(
    private readonly tail: LedgerTail,
    private readonly settings: StreamSettings,
    private readonly logger: Logger,
    private readonly gauge: { inc(): void; dec(): void } | null = null,
    secret: Buffer | string = randomBytes(32),
  ) {
    this.key = createHmac('sha256', secret).update('agent-ledger stream position v1').digest();
  }

  /** Open streams (the gauge's value). */
  get size(): number {
    return this.subscribers.size;
  }

  /** A Last-Event-ID as a position, or null when this server (or one sharing its secret) never gave it out. */
  decode(lastEventId: string): TailPosition | null {
    if (!/^[A-Za-z0-9_-]{40,87400}$/.test(lastEventId)) return null;
    const bytes = Buffer.from(lastEventId, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('latin1');
      const position = this.tail.decode(text);
      return position && position.size > 0 ? position : null;
    } catch {
      return null;
    }
  }

  /** A position as an `id:`: sealed with a fresh nonce, so two ids of one position differ too. */
  private seal(position: TailPosition): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(this.tail.encode(position), 'latin1'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * Starts a stream after `resume` (a decoded Last-Event-ID), or from now,
   * if the credential and the process have a stream slot left (else a 429,
   * before anything is written). Returns how to stop it.
   */
  open(credential: string, filter: LedgerFilter, resume: TailPosition | null, sink: StreamSink): () => void {
    this.admit(credential);
    if (!this.head) this.start();
    const head = this.head!;
    const sub: Subscriber = {
      filter,
      sink,
      position: new Map(resume ?? head),
      pending: resume ? [] : null,
      credential,
      closed: false,
    };
    this.subscribers.add(sub);
    this.gauge?.inc();
    sink.write(`retry: ${RETRY_MS}\nid: ${this.seal(sub.position)}\n\n`);
    if (resume) void this.catchUp(sub, new Map(head));
    return () => this.remove(sub);
  }

  /** Ends every stream (server shutdown): clients see the stream end and reconnect elsewhere with their last id. */
  close(): void {
    this.closed = true;
    for (const sub of [...this.subscribers]) {
      sub.sink.end();
      this.remove(sub);
    }
  }

  private admit(credential: string): void {
    if (this.closed) throw new ApiError(503, 'INTERNAL', 'the server is shutting down', { 'Retry-After': '5' });
    const retryAfter = { 'Retry-After': String(Math.ceil(RETRY_MS / 1000)) };
    const mine = this.perCredential.get(credential) ?? 0;
    if (mine >= this.settings.max_per_credential) {
      throw new ApiError(429, 'RATE_LIMITED', `at most ${this.settings.max_per_credential} open streams per credential (stream.max_per_credential); close one first`, retryAfter);
    }
    if (this.subscribers.size >= this.settings.max_clients) {
      throw new ApiError(429, 'RATE_LIMITED', `this server has its maximum of ${this.settings.max_clients} open streams (stream.max_clients); retry later`, retryAfter);
    }
    this.perCredential.set(credential, mine + 1);
  }

  private start(): void {
    this.head = new Map(this.tail.head());
    this.schedule(this.settings.poll_ms);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.settings.heartbeat_ms);
    this.heartbeatTimer.unref();
  }

  private stop(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.pollTimer = this.heartbeatTimer = null;
    this.head = null;
  }

  private schedule(ms: number): void {
    this.pollTimer = setTimeout(() => this.poll(), ms);
    this.pollTimer.unref();
  }

  private poll(): void {
    const head = this.head;
    if (!head || this.polling) return;
    this.polling = true;
    let rows: TailEntry[] = [];
    try {
      rows = this.tail.read(head, ROWS_PER_POLL);
    } catch (err) {
      this.logger.warn({ err }, 'ledger stream: reading new entries failed; retrying at the next poll');
    }
    for (const row of rows) {
      head.set(row.source, row.seq);
      for (const sub of this.subscribers) {
        if (sub.pending) {
          // only what it will send: the position past the rest is the poll's, taken when it joins
          if (!tailEntryMatches(sub.filter, row)) continue;
          sub.pending.push(row);
          if (sub.pending.length > MAX_PENDING_ROWS) this.drop(sub, 'too many new entries while catching up');
        } else {
          this.deliver(sub, row);
          if (sub.sink.buffered() > this.settings.max_buffer_bytes) this.drop(sub, 'client reads too slowly');
        }
      }
    }
    this.polling = false;
    if (this.head) this.schedule(rows.length >= ROWS_PER_POLL ? 0 : this.settings.poll_ms);
  }

  /** What the stream missed after its Last-Event-ID, up to the shared poll's position when it opened; then what the poll brought meanwhile. */
  private async catchUp(sub: Subscriber, until: TailPosition): Promise<void> {
    try {
      let read = 0;
      for (;;) {
        if (sub.closed) return;
        // an old Last-Event-ID must not make the server read the whole ledger (every organization's rows) for one stream:
        // past the bound, say so and follow from where the shared poll was when the stream opened
        if (read >= this.settings.max_replay_rows) {
          for (const [source, seq] of until) if (seq > (sub.position.get(source) ?? 0)) sub.position.set(source, seq);
          const reason = `more than ${this.settings.max_replay_rows} entries since Last-Event-ID (stream.max_replay_rows): not replayed; read them from the ledger or an export`;
          sub.sink.write(`event: gap\ndata: ${JSON.stringify({ reason })}\n\n`);
          break;
        }
        const rows = this.tail.read(sub.position, Math.min(CATCH_UP_ROWS, this.settings.max_replay_rows - read), until);
        if (rows.length === 0) break;
        read += rows.length;
        for (const row of rows) {
          this.deliver(sub, row);
          // the client sets the pace of what it asked to replay: wait for it rather than buffer
          if (sub.sink.buffered() > this.settings.max_buffer_bytes / 2) await sub.sink.drained();
          if (sub.closed) return;
        }
        await yieldToLoop();
      }
      const pending = sub.pending ?? [];
      sub.pending = null;
      for (const row of pending) this.deliver(sub, row);
      // past the rows the poll brought meanwhile that did not match (pending kept only the others)
      for (const [source, seq] of this.head ?? []) if (seq > (sub.position.get(source) ?? 0)) sub.position.set(source, seq);
    } catch (err) {
      this.logger.warn({ err }, 'ledger stream: catching up from Last-Event-ID failed');
      this.drop(sub, 'catching up failed');
    }
  }

  private deliver(sub: Subscriber, row: TailEntry): void {
    if (sub.closed || row.seq <= (sub.position.get(row.source) ?? 0)) return;
    sub.position.set(row.source, row.seq);
    if (!tailEntryMatches(sub.filter, row)) return;
    sub.sink.write(`id: ${this.seal(sub.position)}\nevent: entry\ndata: ${row.json}\n\n`);
  }

  private heartbeat(): void {
    for (const sub of this.subscribers) {
      // an `id:` without data moves the client's Last-Event-ID past entries that did not match; sealed afresh
      // every time, it says nothing of whether any arrived (another organization's, say)
      sub.sink.write(`: ping\nid: ${this.seal(sub.position)}\n\n`);
    }
  }

  private drop(sub: Subscriber, reason: string): void {
    this.logger.info({ reason }, 'ledger stream closed by the server');
    sub.sink.end();
    this.remove(sub);
  }

  private remove(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subscribers.delete(sub);
    this.gauge?.dec();
    this.unslot(sub.credential);
    if (this.subscribers.size === 0) this.stop();
  }

  private unslot(credential: string): void {
    const n = (this.perCredential.get(credential) ?? 1) - 1;
    if (n > 0) this.perCredential.set(credential, n);
    else this.perCredential.delete(credential);
  }
}
