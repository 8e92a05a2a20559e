import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a queue reports on scrape; null where the backend cannot tell cheaply. */
export interface QueueDepth {
  /** Envelopes (one OTLP request each) waiting for a writer. */
  waitingEnvelopes: number;
  /** Envelopes being written now. */
  activeEnvelopes: number;
  waitingSpans: number | null;
  oldestAgeSeconds: number | null;
  pendingBytes: number | null;
}

export type DepthSource = () => Promise<QueueDepth>;

const SIZE_BUCKETS = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const API_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A scrape never waits longer than this on a queue backend (Redis away): the depth gauges are then left out. */
const DEPTH_TIMEOUT_MS = 1000;

/**
 * Every metric of agent-ledger, defined once, in one registry per server (not
 * prom-client's global one, so one process can run several servers). Labels
 * are low-cardinality by construction: never an organization, key, trace or
 * free text. Components receive this object (or the part they need) from
 * cli/roles.ts.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let depthSource: DepthSource | null = null;
  // the gauges of one scrape (collected together) share the reading in progress; the next scrape reads afresh
  let depthReading: Promise<QueueDepth | null> | null = null;
  const depth = (): Promise<QueueDepth | null> => {
    if (!depthSource) return Promise.resolve(null);
    if (depthReading) return depthReading;
    const source = depthSource;
    const reading = Promise.race([
      source().catch(() => null),
      new Promise<null>((r) => setTimeout(() => r(null), DEPTH_TIMEOUT_MS).unref()),
    ]).finally(() => {
      depthReading = null;
    });
    depthReading = reading;
    return reading;
  };

  const metrics = {
    registry,
    /** Which queue the depth gauges read (the role's own, or a reader of the shared BullMQ queue). */
    observeQueue(source: DepthSource): void {
      depthSource = source;
    },
    otlp: {
      requests: new Counter({
        name: 'agent_ledger_otlp_requests_total',
        help: 'OTLP export requests answered, by encoding (json, protobuf, or grpc) and status code (the HTTP status; for grpc the gRPC status name, e.g. OK, UNAVAILABLE)',
        labelNames: ['status_code', 'encoding'] as const,
        registers,
      }),
      requestSize: new Histogram({
        name: 'agent_ledger_otlp_request_size_bytes',
        help: 'Size of OTLP export request messages after decompression (HTTP bodies and gRPC messages), by encoding (json, protobuf, grpc)',
        labelNames: ['encoding'] as const,
        buckets: SIZE_BUCKETS,
        registers,
      }),
      spansReceived: new Counter({
        name: 'agent_ledger_otlp_spans_received_total',
        help: 'Spans decoded from OTLP requests (accepted + rejected)',
        labelNames: ['encoding'] as const,
        registers,
      }),
      spansAccepted: new Counter({
        name: 'agent_ledger_otlp_spans_accepted_total',
        help: 'Spans acknowledged to the sender (queued durably)',
        labelNames: ['encoding'] as const,
        registers,
      }),
      spansRejected: new Counter({
        name: 'agent_ledger_otlp_spans_rejected_total',
        help: 'Spans not taken: malformed (invalid_span, invalid_resource), outside the time window (out_of_window), or refused with 503 / UNAVAILABLE because the queue was full or failing (queue_unavailable)',
        labelNames: ['encoding', 'reason'] as const,
        registers,
      }),
      logRecordsReceived: new Counter({
        name: 'agent_ledger_otlp_log_records_received_total',
        help: 'Log records decoded from OTLP logs requests (accepted + rejected)',
        labelNames: ['encoding'] as const,
        registers,
      }),
      logRecordsAccepted: new Counter({
        name: 'agent_ledger_otlp_log_records_accepted_total',
        help: 'Log records acknowledged to the sender (queued durably): GenAI events of a span and `log` entries',
        labelNames: ['encoding'] as const,
        registers,
      }),
      logRecordsRejected: new Counter({
        name: 'agent_ledger_otlp_log_records_rejected_total',
        help: 'Log records not taken: malformed (invalid_span, invalid_resource), outside the time window (out_of_window), or refused with 503 (queue_unavailable)',
        labelNames: ['encoding', 'reason'] as const,
        registers,
      }),
      spansRedacted: new Counter({
        name: 'agent_ledger_spans_redacted_total',
        help: 'Spans in which redaction replaced at least one value',
        registers,
      }),
      redactions: new Counter({
        name: 'agent_ledger_redactions_total',
        help: 'Values replaced by redaction (secrets redacted, personal data pseudonymised)',
        registers,
      }),
    },
    store: {
      batches: new Counter({ name: 'agent_ledger_store_write_batches_total', help: 'Batches committed to the store', registers }),
      rows: new Counter({ name: 'agent_ledger_store_rows_written_total', help: 'Entries in batches committed to the store (duplicates included)', registers }),
      inserted: new Counter({ name: 'agent_ledger_store_rows_inserted_total', help: 'Entries new to the store (a redelivered span is written once)', registers }),
      duration: new Histogram({
        name: 'agent_ledger_store_write_duration_seconds',
        help: 'Time of one store write (a batch), successful or not',
        buckets: WRITE_BUCKETS,
        registers,
      }),
      errors: new Counter({
        name: 'agent_ledger_store_write_errors_total',
        help: 'Failed store writes: transient ones are retried, permanent ones parked as dead letters',
        labelNames: ['kind'] as const,
        registers,
      }),
      deadLetters: new Counter({
        name: 'agent_ledger_dead_letter_entries_total',
        help: 'Entries parked in the dead-letter set (the store refused them for good, or the job was malformed)',
        registers,
      }),
    },
    api: {
      duration: new Histogram({
        name: 'agent_ledger_api_request_duration_seconds',
        help: 'Query API requests, until the response body is sent, by method, route template and status class',
        labelNames: ['method', 'route', 'status_class'] as const,
        buckets: API_BUCKETS,
        registers,
      }),
    },
    rateLimitRefusals: new Counter({
      name: 'agent_ledger_rate_limit_refusals_total',
      help: 'Requests refused with 429 (RESOURCE_EXHAUSTED over OTLP/gRPC), by rate-limit class (query, export, stats, ingest)',
      labelNames: ['class'] as const,
      registers,
    }),
    sseClients: new Gauge({
      name: 'agent_ledger_sse_clients',
      help: 'Open Server-Sent Events streams of new ledger entries (GET /api/v1/ledger/stream)',
      registers,
    }),
    authFailures: new Counter({
      name: 'agent_ledger_auth_failures_total',
      help: 'Requests refused by authentication (401, UNAUTHENTICATED) or authorization (403, PERMISSION_DENIED), by surface (api, otlp) and reason',
      labelNames: ['surface', 'reason'] as const,
      registers,
    }),
  };

  new Gauge({
    name: 'agent_ledger_queue_envelopes',
    help: 'Envelopes (OTLP requests) in the ingest queue, by state (waiting, active)',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      const d = await depth();
      if (!d) return;
      this.set({ state: 'waiting' }, d.waitingEnvelopes);
      this.set({ state: 'active' }, d.activeEnvelopes);
    },
  });
  optionalGauge('agent_ledger_queue_spans', 'Spans in envelopes waiting in the in-process queue', (d) => d.waitingSpans);
  optionalGauge('agent_ledger_queue_oldest_age_seconds', 'Age of the oldest envelope waiting in the queue (0 when none waits)', (d) => d.oldestAgeSeconds);
  optionalGauge('agent_ledger_queue_pending_bytes', 'Request bytes accepted by the in-process queue and not yet written (bounded by queue.max_bytes)', (d) => d.pendingBytes);

  function optionalGauge(name: string, help: string, read: (d: QueueDepth) => number | null): void {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        this.reset();
        const d = await depth();
        const value = d ? read(d) : null;
        if (value !== null) this.set(value);
      },
    });
  }
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
export type StoreMetrics = Metrics['store'];

/** 2xx, 4xx…: the status label of latency histograms. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
