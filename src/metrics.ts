/**
 * Process-wide metrics in the Prometheus text exposition format (version 0.0.4), served by the web
 * listener at `/metrics`. A leaf module: SMTP, IMAP, the filters and the queue increment the
 * metrics declared at the bottom of this file without depending on the web. Every metric is
 * declared here, once, so its name, type and labels are one place to read.
 *
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/ — one `# HELP` and one
 * `# TYPE` line per metric family, then one sample per line `name{label="value"} number`; label
 * values escape backslash, double quote and newline; histograms expose cumulative `_bucket{le=…}`
 * lines ending with `le="+Inf"`, then `_sum` and `_count`.
 */

export type Labels = Readonly<Record<string, string>>;

interface Metric {
  readonly name: string;
  readonly help: string;
  render(): string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  return `{${names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`).join(',')}}`;
}

/** Label values in declaration order; every declared label is required, no others allowed. */
function labelValues(metric: string, names: readonly string[], labels: Labels | undefined): string[] {
  const given = labels ?? {};
  const keys = Object.keys(given);
  if (keys.length !== names.length || keys.some((k) => !names.includes(k))) {
    throw new Error(`metric ${metric}: labels must be exactly {${names.join(', ')}}, got {${keys.join(', ')}}`);
  }
  return names.map((n) => given[n] as string);
}

/** Series keyed by their label values (joined with a separator that cannot occur unescaped). */
class SeriesMap<T> {
  private readonly series = new Map<string, { values: string[]; data: T }>();
  constructor(private readonly create: () => T) {}

  get(values: string[]): T {
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, data: this.create() };
      this.series.set(key, entry);
    }
    return entry.data;
  }

  /** Sorted by label values, so the output is stable between scrapes. */
  entries(): Array<{ values: string[]; data: T }> {
    return [...this.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
  }

  clear(): void {
    this.series.clear();
  }
}

/** Names starting with "__" are reserved for Prometheus itself. */
function checkLabelNames(metric: string, names: readonly string[]): readonly string[] {
  for (const n of names) if (!LABEL_NAME.test(n) || n.startsWith('__')) throw new Error(`metric ${metric}: invalid label name ${n}`);
  return names;
}

function header(metric: Metric, type: string): string[] {
  return [`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${type}`];
}

/** A value that only goes up (resets when the process restarts). */
export class Counter implements Metric {
  private readonly series = new SeriesMap(() => ({ value: 0 }));
  private readonly labelNames: readonly string[];
  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[] = [],
  ) {
    this.labelNames = checkLabelNames(name, labelNames);
  }

  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only increase`);
    this.series.get(labelValues(this.name, this.labelNames, labels)).value += by;
  }

  value(labels?: Labels): number {
    return this.series.get(labelValues(this.name, this.labelNames, labels)).value;
  }

  render(): string[] {
    const lines = header(this, 'counter');
    for (const { values, data } of this.series.entries()) {
      lines.push(`${this.name}${formatLabels(this.labelNames, values)} ${formatNumber(data.value)}`);
    }
    return lines;
  }

  reset(): void {
    this.series.clear();
  }
}

/**
 * A value that goes up and down. Either set/inc/dec by its owner, or read at scrape time from a
 * collector (the queue length is a row count the store knows; counting it on every change would
 * duplicate the truth).
 */
export class Gauge implements Metric {
  private readonly series = new SeriesMap(() => ({ value: 0 }));
  private readonly labelNames: readonly string[];
  private collector: (() => number | Promise<number>) | null = null;
  /** The collector's value read by `refresh()` for the scrape being rendered. */
  private collected = NaN;
  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[] = [],
  ) {
    this.labelNames = checkLabelNames(name, labelNames);
  }

  set(value: number, labels?: Labels): void {
    this.series.get(labelValues(this.name, this.labelNames, labels)).value = value;
  }

  inc(labels?: Labels, by = 1): void {
    this.series.get(labelValues(this.name, this.labelNames, labels)).value += by;
  }

  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }

  value(labels?: Labels): number {
    return this.series.get(labelValues(this.name, this.labelNames, labels)).value;
  }

  /**
   * For a gauge without labels: read the value when scraped (a store query may be asynchronous).
   * Replaces any previous collector.
   */
  collect(read: (() => number | Promise<number>) | null): void {
    if (this.labelNames.length > 0) throw new Error(`gauge ${this.name}: a collector needs a gauge without labels`);
    this.collector = read;
  }

  /** Reads the collector, before a scrape renders. */
  async refresh(): Promise<void> {
    if (!this.collector) return;
    try {
      this.collected = await this.collector();
    } catch {
      // A failing source (database closed during shutdown) must not break the whole scrape.
      this.collected = NaN;
    }
  }

  render(): string[] {
    const lines = header(this, 'gauge');
    if (this.collector) {
      lines.push(`${this.name} ${formatNumber(this.collected)}`);
      return lines;
    }
    for (const { values, data } of this.series.entries()) {
      lines.push(`${this.name}${formatLabels(this.labelNames, values)} ${formatNumber(data.value)}`);
    }
    return lines;
  }

  reset(): void {
    this.series.clear();
    this.collector = null;
  }
}

/** Observations counted into cumulative buckets (seconds, by Prometheus convention). */
export class Histogram implements Metric {
  private readonly series: SeriesMap<{ counts: number[]; sum: number; count: number }>;
  private readonly buckets: readonly number[];
  private readonly labelNames: readonly string[];
  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    if (labelNames.includes('le')) throw new Error(`histogram ${name}: "le" is reserved`);
    this.labelNames = checkLabelNames(name, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
    this.series = new SeriesMap(() => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
  }

  observe(value: number, labels?: Labels): void {
    const data = this.series.get(labelValues(this.name, this.labelNames, labels));
    this.buckets.forEach((bound, i) => {
      if (value <= bound) data.counts[i] = (data.counts[i] ?? 0) + 1;
    });
    data.sum += value;
    data.count += 1;
  }

  /** Starts a timer; calling the returned function observes the elapsed seconds. */
  startTimer(labels?: Labels): () => number {
    const started = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.observe(seconds, labels);
      return seconds;
    };
  }

  render(): string[] {
    const lines = header(this, 'histogram');
    const names = [...this.labelNames, 'le'];
    for (const { values, data } of this.series.entries()) {
      this.buckets.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${formatLabels(names, [...values, formatNumber(bound)])} ${data.counts[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${formatLabels(names, [...values, '+Inf'])} ${data.count}`);
      lines.push(`${this.name}_sum${formatLabels(this.labelNames, values)} ${formatNumber(data.sum)}`);
      lines.push(`${this.name}_count${formatLabels(this.labelNames, values)} ${data.count}`);
    }
    return lines;
  }

  reset(): void {
    this.series.clear();
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class MetricsRegistry {
  private readonly metrics = new Map<string, AnyMetric>();

  register<M extends AnyMetric>(metric: M): M {
    if (!NAME.test(metric.name)) throw new Error(`invalid metric name: ${metric.name}`);
    if (this.metrics.has(metric.name)) throw new Error(`metric registered twice: ${metric.name}`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** The text exposition of every metric, in registration order, collectors read first. */
  async render(): Promise<string> {
    await Promise.all([...this.metrics.values()].map((m) => (m instanceof Gauge ? m.refresh() : undefined)));
    return `${[...this.metrics.values()].flatMap((m) => m.render()).join('\n')}\n`;
  }

  /** Forgets every sample and collector (tests that start several servers in one process). */
  reset(): void {
    for (const metric of this.metrics.values()) metric.reset();
  }
}

/** `Content-Type` of the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export const registry = new MetricsRegistry();

/** Protocol of a listener: "smtp-mx", "smtp-submission", "imap", "web". */
export const connectionsTotal = registry.register(
  new Counter('cantho_connections_total', 'Connections accepted, by listener.', ['listener']),
);
export const connectionsOpen = registry.register(
  new Gauge('cantho_connections_open', 'Connections open now, by listener.', ['listener']),
);
export const messagesAccepted = registry.register(
  new Counter('cantho_messages_accepted_total', 'Messages acknowledged with 250, by path ("mx" or "submission").', ['path']),
);
/** `reason`: a short stable word — "virus", "spam", "unknown-recipient", "rate-limit", "size", "auth-fail", … */
export const messagesRejected = registry.register(
  new Counter('cantho_messages_rejected_total', 'Messages refused, by path and reason.', ['path', 'reason']),
);
export const queueLength = registry.register(new Gauge('cantho_queue_length', 'Messages waiting in the outbound queue.'));
export const filterDuration = registry.register(
  new Histogram(
    'cantho_filter_duration_seconds',
    'Time each filter took for one message.',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['filter'],
  ),
);
/** `result`: "ok" or a LoginFailure ("bad-credentials", "expired", "locked", "suspended", "retired", "busy": turned away before the check). */
export const logins = registry.register(
  new Counter('cantho_logins_total', 'Login attempts, by protocol and result.', ['protocol', 'result']),
);

/** Counts a listener's new connection in both connection metrics, and its end when the socket closes. */
export function trackConnection(listener: string, socket: { once(event: 'close', listener: () => void): unknown }): void {
  connectionsTotal.inc({ listener });
  connectionsOpen.inc({ listener });
  socket.once('close', () => connectionsOpen.dec({ listener }));
}

/** Octets of message data read from the store for IMAP FETCH responses (bodies, sections, headers). */
export const imapFetchBodyBytes = registry.register(
  new Counter('cantho_imap_fetch_body_bytes_total', 'Octets of message data read from the store for IMAP FETCH responses.'),
);
export const imapFetchAbandoned = registry.register(
  new Counter('cantho_imap_fetch_abandoned_total', 'IMAP FETCH commands stopped because the client went away mid-response.'),
);

/** Scheduled backups (`[backup]`, src/backup/schedule.ts); a failure leaves the last success's figures in place. */
export const backupLastSuccess = registry.register(
  new Gauge('cantho_backup_last_success_timestamp_seconds', 'Unix time the last successful scheduled backup finished; 0: none yet.'),
);
export const backupLastDuration = registry.register(new Gauge('cantho_backup_last_duration_seconds', 'How long the last successful scheduled backup took.'));
export const backupLastSize = registry.register(new Gauge('cantho_backup_last_size_bytes', 'Bytes of the last successful scheduled backup.'));
export const backupFailures = registry.register(new Counter('cantho_backup_failures_total', 'Scheduled backups that failed.'));
/** Litestream, supervised by serve (`[replica]`, src/backup/replica). */
export const replicaLag = registry.register(
  new Gauge('cantho_replica_lag_seconds', 'Seconds the replica has been behind the local WAL (0: caught up); -1 while Litestream is not answering.'),
);
export const replicaRestarts = registry.register(new Counter('cantho_replica_restarts_total', 'Times serve restarted Litestream after it exited.'));
/** Change events between nodes on PostgreSQL (src/store/postgres/notify.ts); `form`: "exact" (UIDs listed) or "catch-up" (read back from the store). */
export const changeEventsSent = registry.register(
  new Counter('cantho_change_events_sent_total', 'Change events this node sent to the other nodes, by form.', ['form']),
);
export const changeEventsReceived = registry.register(
  new Counter('cantho_change_events_received_total', "Other nodes' change events this node emitted to its sessions, by form.", ['form']),
);
export const changeEventsUnsent = registry.register(
  new Counter('cantho_change_events_unsent_total', 'Change events that could not be sent (NOTIFY failed): other nodes learn of them late.'),
);
export const changeBusReconnects = registry.register(
  new Counter('cantho_change_bus_reconnects_total', 'Times the LISTEN connection for change events was made again after a loss or a failed connect.'),
);
