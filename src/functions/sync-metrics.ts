/**
 * The server's Prometheus metrics (PROTOCOL.md, /metrics): push and pull latency, ops by
 * outcome, refusals by code, event subscribers, and, read from the log when scraped, open
 * conflicts and each device's lag.
 *
 * Each service has its own registry, so that several can live in one process (tests).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read from the log at scrape time. */
export interface MetricsSource {
  /** Each device's `behind` (ops visible to its owner after its last pull). */
  deviceLag(): Promise<readonly { readonly deviceId: string; readonly behind: number }[]>;
  /** The number of open conflicts. */
  openConflicts(): Promise<number>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics of one service. */
export class SyncMetrics {
  readonly registry = new Registry();
  readonly pushSeconds: Histogram;
  readonly pullSeconds: Histogram;
  readonly opsAppended: Counter;
  readonly opsDuplicate: Counter;
  readonly opsRejected: Counter<'code'>;
  readonly opsGap: Counter;
  readonly refusals: Counter<'route' | 'code'>;
  readonly eventSubscribers: Gauge;
  readonly pokes: Counter;
  readonly snapshotPagesAhead: Counter<'outcome'>;
  readonly scrapeErrors: Counter;

  constructor(source: MetricsSource, options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.pushSeconds = new Histogram({
      name: 'immune_sync_push_duration_seconds',
      help: 'Time to answer a push, from its body read to its answer',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.pullSeconds = new Histogram({
      name: 'immune_sync_pull_duration_seconds',
      help: 'Time to answer a pull',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.opsAppended = new Counter({
      name: 'immune_sync_ops_appended_total',
      help: 'Ops of pushes accepted and appended to the log',
      registers,
    });
    this.opsDuplicate = new Counter({
      name: 'immune_sync_ops_duplicate_total',
      help: 'Ops of pushes that the server had already processed',
      registers,
    });
    this.opsRejected = new Counter({
      name: 'immune_sync_ops_rejected_total',
      help: 'Ops of pushes rejected (and quarantined), by code',
      labelNames: ['code'],
      registers,
    });
    this.opsGap = new Counter({
      name: 'immune_sync_ops_gap_total',
      help: 'Ops of pushes not processed because an earlier seq was missing',
      registers,
    });
    this.refusals = new Counter({
      name: 'immune_sync_refusals_total',
      help: 'Requests refused, by route and error code',
      labelNames: ['route', 'code'],
      registers,
    });
    this.eventSubscribers = new Gauge({
      name: 'immune_sync_event_subscribers',
      help: 'Open server-sent event streams',
      registers,
    });
    this.pokes = new Counter({
      name: 'immune_sync_pokes_total',
      help: 'Pokes sent to event subscribers',
      registers,
    });
    this.snapshotPagesAhead = new Counter({
      name: 'immune_sync_snapshot_pages_ahead_total',
      help: 'Snapshot pages built ahead (snapshot-pages-ahead.ts), by outcome: used, expired (never asked for), failed, skipped (too many building)',
      labelNames: ['outcome'],
      registers,
    });
    this.scrapeErrors = new Counter({
      name: 'immune_sync_scrape_errors_total',
      help: 'Scrapes that could not read lag or conflicts from the log',
      registers,
    });
    const scrapeErrors = this.scrapeErrors;
    const lag: Gauge<'device'> = new Gauge({
      name: 'immune_sync_device_lag_ops',
      help: 'Ops visible to a device owner after the device last pulled',
      labelNames: ['device'],
      registers,
      collect: async () => {
        lag.reset();
        try {
          for (const { deviceId, behind } of await source.deviceLag()) {
            lag.set({ device: deviceId }, behind);
          }
        } catch {
          scrapeErrors.inc();
        }
      },
    });
    const conflicts: Gauge = new Gauge({
      name: 'immune_sync_open_conflicts',
      help: 'Conflicts awaiting a review',
      registers,
      collect: async () => {
        try {
          conflicts.set(await source.openConflicts());
        } catch {
          scrapeErrors.inc();
        }
      },
    });
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'immune_sync_process_' });
    }
  }

  /** The Prometheus text of every metric, and its content type. */
  async render(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
