/**
 * `startTestServer()`: the whole real server (src/server.ts: store, directory, filters, SMTP, IMAP,
 * web) in a temp data directory, every listener on 127.0.0.1 port 0. Use it for any test that
 * talks a protocol; don't build a private composition or a fake directory.
 *
 * Differences from production defaults, all for tests on loopback only:
 * - `imap.allow_plaintext_auth = true` (tests may LOGIN without STARTTLS on 127.0.0.1);
 * - `policy.require_password_change = false` unless a test sets it (users log in with the
 *   password they were created with);
 * - `clamav.enabled = false` unless a test passes a clamd (test/helpers/clamd.ts);
 * - one analysis worker (`limits.analysis_workers = 1`, plus its spare): the machine is shared;
 * - cheap argon2 parameters;
 * - login delays capped at 1 s (`TEST_LOGIN_DELAYS`) unless a test passes `loginDelays`;
 * - DNS from a table (`dns`), never the Internet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { configFromObject, type Config, type ConfigInput } from '../../src/config/index.js';
import type { DnsResolver } from '../../src/context.js';
import type { Directory } from '../../src/directory/index.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';
import type { SmtpStartOptions } from '../../src/smtp/server.js';

export const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const TEST_DOC = 'TEST/QĐ-2026';

type LoginDelays = NonNullable<NonNullable<ServerOptions['directory']>['throttle']>;

/**
 * The first throttled failure still waits 500 ms and the wait still doubles (src/directory/throttle.ts
 * DEFAULT_THROTTLE), but it stops at 1 s instead of 8 s, the wait of every answer to a locked
 * login: a test that locks an account proves the refusal, not production's patience.
 * test/directory/login.test.ts and throttle.test.ts check the production delays on a fake clock.
 */
export const TEST_LOGIN_DELAYS: LoginDelays = { maxDelayMs: 1_000 };

/** DNS records by "name rrtype" (e.g. "example.org MX", "example.org TXT"); anything else is NXDOMAIN. */
export type DnsTable = Record<string, unknown[]>;

export function tableResolver(table: DnsTable): DnsResolver {
  return async (name, rrtype) => {
    const answer = table[`${name.toLowerCase().replace(/\.$/, '')} ${rrtype.toUpperCase()}`];
    if (answer) return answer;
    throw Object.assign(new Error(`queryNotFound ${name} ${rrtype}`), { code: 'ENOTFOUND' });
  };
}

export interface TestServerOptions {
  /** Config tables merged over the test defaults (one level deep per table). */
  readonly config?: ConfigInput;
  readonly dns?: DnsTable;
  readonly smtp?: SmtpStartOptions;
  /** Log to stderr at this level (default: silent). */
  readonly logLevel?: string;
  /** Log with the production logger (src/logger.ts: redaction, config's server.log_level) to this stream instead. */
  readonly logDestination?: pino.DestinationStream;
  /** The server's clock (ServerOptions.clock: the directory's and unit diligence's). */
  readonly clock?: () => Date;
  /** Login throttle delays over TEST_LOGIN_DELAYS (e.g. production's `{ maxDelayMs: 8_000 }`). */
  readonly loginDelays?: LoginDelays;
  /** An existing data directory to serve (a restart on the same data); the caller removes it. Default: a new temp one, removed by close(). */
  readonly dataDir?: string;
}

export interface TestUser {
  readonly address: string;
  readonly password: string;
}

/** The loopback ports of the mail and web listeners every test server opens. */
export interface ListenerPorts {
  readonly mx: number;
  readonly submission: number;
  readonly submissions: number;
  readonly imap: number;
  readonly imaps: number;
  readonly http: number;
}

export interface TestServer {
  readonly config: Config;
  readonly server: RunningServer;
  readonly directory: Directory;
  readonly dataDir: string;
  readonly ports: ListenerPorts & { readonly managesieve: number; readonly ldap: number; readonly ldaps: number };
  /** Adds a unit (with the CLI's own code path) and returns its address. */
  addUnit(local: string, name?: string, head?: string): Promise<string>;
  /** Adds a person to `unit` (created on first use) with a known password. */
  addUser(name: string, options?: { unit?: string; address?: string; password?: string }): Promise<TestUser>;
  /** Grants `person` rights on `unit` (default rights from config). */
  grant(unit: string, person: string, options?: { rights?: string; sendAs?: boolean }): void;
  close(): Promise<void>;
}

const LISTENER_DEFAULTS = {
  smtp: { mx: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0' },
  imap: { listen: '127.0.0.1:0', tls_listen: '127.0.0.1:0', allow_plaintext_auth: true },
  http: { listen: '127.0.0.1:0' },
  policy: { require_password_change: false },
  clamav: { enabled: false },
  limits: { analysis_workers: 1 },
  sieve: { managesieve: '127.0.0.1:0' },
  ldap: { listen: '127.0.0.1:0', tls_listen: '127.0.0.1:0' },
} as const;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'cm-test-'));
  const overrides = (options.config ?? {}) as Record<string, Record<string, unknown>>;
  const merged: Record<string, Record<string, unknown>> = { server: { data_dir: dataDir } };
  for (const [table, values] of Object.entries(LISTENER_DEFAULTS)) merged[table] = { ...values };
  for (const [table, values] of Object.entries(overrides)) merged[table] = { ...merged[table], ...values };
  merged.server = { ...merged.server, data_dir: dataDir };
  const config = configFromObject(merged);
  const serverOptions: ServerOptions = {
    logger: options.logDestination ? createLogger(config, options.logDestination) : pino({ level: options.logLevel ?? 'silent' }),
    resolver: tableResolver(options.dns ?? {}),
    directory: { argon2: TEST_ARGON2, throttle: { ...TEST_LOGIN_DELAYS, ...options.loginDelays } },
    ...(options.smtp ? { smtp: options.smtp } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const server = await startServer(config, serverOptions);
  const directory = server.context.directory as Directory;
  const request = { actor: 'cli:test', doc: TEST_DOC };
  const portOf = (name: string) => server.listeners.find((l) => l.name === name)?.port ?? 0;

  const ensureUnit = async (local: string, name = `Đơn vị ${local}`, head?: string) => {
    const address = `${local}@${config.server.domain}`;
    if (directory.mailboxOwner(local)?.kind !== 'unit') await directory.admin.addUnit({ localPart: local, name, ...(head ? { head } : {}) }, request);
    return address;
  };

  return {
    config,
    server,
    directory,
    dataDir,
    ports: {
      mx: portOf('smtp-mx'),
      submission: portOf('smtp-submission'),
      submissions: portOf('smtp-submissions'),
      imap: portOf('imap'),
      imaps: portOf('imaps'),
      http: portOf('web'),
      managesieve: portOf('managesieve'),
      ldap: portOf('ldap'),
      ldaps: portOf('ldaps'),
    },
    addUnit: ensureUnit,
    async addUser(name, userOptions = {}) {
      const unit = userOptions.unit ?? 'vpubnd';
      await ensureUnit(unit);
      const password = userOptions.password ?? 'Mật-khẩu-thử-1234';
      const issued = await directory.admin.addPerson({ name, unit, address: userOptions.address, password }, request);
      return { address: issued.person.address, password };
    },
    grant(unit, person, grantOptions = {}) {
      directory.admin.grantDelegation({ unit, person, rights: grantOptions.rights, sendAs: grantOptions.sendAs ?? false }, request);
    },
    async close() {
      await server.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
