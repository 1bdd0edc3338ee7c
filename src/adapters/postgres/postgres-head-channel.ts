/**
 * Heads announced through Postgres LISTEN/NOTIFY: an append notifies inside its transaction (so
 * the announcement is delivered at commit, and never for a rolled back append), and each
 * instance listens on a dedicated connection.
 *
 * A lost listening connection is reopened with backoff. Announcements sent meanwhile are lost,
 * which costs latency, never data: clients resume from their cursors (DESIGN.md section 5).
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { HeadChannel } from '../../log/log-dialect.ts';
import type { PostgresConnector } from './postgres-connector.ts';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/** Keeps one LISTEN connection open until stopped. */
class HeadListener {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #onPayload: (payload: string) => void;
  #client: pg.Client | undefined;
  #stopped = false;
  #delay = RECONNECT_MIN_MS;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: pg.ClientConfig, channel: string, onPayload: (payload: string) => void) {
    this.#config = config;
    this.#channel = channel;
    this.#onPayload = onPayload;
  }

  /** Connects and listens; throws if the connection fails. */
  async connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (message) => {
      if (message.channel === this.#channel && message.payload !== undefined) {
        this.#onPayload(message.payload);
      }
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      // The channel name is a plain identifier derived from the epoch (see log-identity.ts).
      await client.query(`listen ${this.#channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#delay = RECONNECT_MIN_MS;
  }

  /** Closes the connection for good. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** The listening connection failed or ended: reopen it, unless stopped. */
  #lost(client: pg.Client): void {
    if (this.#stopped || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.connect().catch(() => {
        this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS);
        this.#reconnectLater();
      });
    }, this.#delay);
  }
}

/** The head channel `channel` of a Postgres store. */
export const postgresHeadChannel = (
  connector: PostgresConnector,
  channel: string,
): HeadChannel => ({
  async announce(trx, payload) {
    await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
  },
  async listen(onPayload) {
    const listener = new HeadListener(connector.clientConfig, channel, onPayload);
    await listener.connect();
    return () => listener.stop();
  },
});
