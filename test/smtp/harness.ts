/**
 * The SMTP tests' view of the real server (src/server.ts through test/helpers/server.ts): the
 * officials below, test spam rules, and the "Internet" — a second SMTP server on
 * 127.0.0.1 that every MX in the test DNS points to. `restartableServer` runs the same composition
 * on a data directory that outlives it, for restart and crash tests.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { configFromObject, type ConfigInput } from '../../src/config/index.js';
import type { AppContext } from '../../src/context.js';
import { Directory } from '../../src/directory/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { SmtpStartOptions } from '../../src/smtp/server.js';
import { asAccountId, type AccountId } from '../../src/store/types.js';
import { startTestServer, tableResolver, TEST_ARGON2, TEST_DOC, type DnsTable } from '../helpers/server.js';

export { tableResolver, type DnsTable };

export const PASSWORD = 'Mat-khau-rat-dai-2026';
export const ANNV = asAccountId('annv@cantho.gov.vn');
export const BINHTT = asAccountId('binhtt@cantho.gov.vn');
/** Never changed the password the admin gave: every login is `expired`. */
export const CUONGLV = asAccountId('cuonglv@cantho.gov.vn');
export const UNIT = asAccountId('vpubnd@cantho.gov.vn');

export const SPAM_RULES = `
[thresholds]
junk_at = 5.0
reject_at = 15.0
tag_subject_at = 8.0
subject_tag = "[SPAM]"

[[rule]]
id = "TEST_JUNK"
description = "test: junk word in the subject"
score = 6.0
target = "subject"
words = ["junkword"]

[[rule]]
id = "TEST_REJECT"
description = "test: reject word in the body"
score = 20.0
target = "body"
words = ["rejectword"]
`;

export interface Harness {
  readonly ctx: AppContext;
  readonly directory: Directory;
  readonly dir: string;
  readonly mx: number;
  readonly submission: number;
  readonly submissions: number;
  /** Raw bytes of every message in `account`'s folder, in UID order. */
  messages(account: AccountId, folder?: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly config?: ConfigInput;
  readonly dns?: DnsTable;
  readonly smtp?: SmtpStartOptions;
}

/** Test rules and our config tables; TLS is the server's own self-signed pair in its data directory (src/tls.ts). */
function fixtures(dir: string, config: ConfigInput = {}): ConfigInput {
  mkdirSync(dir, { recursive: true });
  const rules = path.join(dir, 'smtp-test-rules.toml');
  if (!existsSync(rules)) writeFileSync(rules, SPAM_RULES);
  return {
    ...config,
    smtp: { queue_retry_base: '1s', ...config.smtp },
    policy: { require_password_change: true, ...config.policy },
    spam: { ...config.spam, rules },
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const test = await startTestServer({ config: fixtures(fixtureDir, options.config), dns: options.dns ?? {}, ...(options.smtp ? { smtp: options.smtp } : {}) });
  await populate(test.directory);
  return view(test.server, test.directory, test.dataDir, async () => {
    await test.close();
    rmSync(fixtureDir, { recursive: true, force: true });
  });
}

/**
 * The real composition root on `dir`, which survives close(): the first start populates the
 * directory, later ones find everything where the last one (or a crash) left it.
 */
export async function restartableServer(dir: string, options: HarnessOptions = {}): Promise<Harness> {
  const fresh = !existsSync(path.join(dir, 'mail.db'));
  const input = fixtures(dir, options.config);
  const config = configFromObject({
    ...input,
    server: { data_dir: dir },
    smtp: { mx: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', ...input.smtp },
    imap: { listen: '', tls_listen: '' },
    http: { listen: '' },
    ldap: { listen: '', tls_listen: '' },
    clamav: { enabled: false },
  });
  const server = await startServer(config, {
    logger: pino({ level: 'silent' }),
    resolver: tableResolver(options.dns ?? {}),
    directory: { argon2: TEST_ARGON2 },
    ...(options.smtp ? { smtp: options.smtp } : {}),
  });
  const directory = server.context.directory as Directory;
  if (fresh) await populate(directory);
  return view(server, directory, dir, () => server.close());
}

function view(server: RunningServer, directory: Directory, dir: string, close: () => Promise<void>): Harness {
  const { store } = server.context;
  return {
    ctx: server.context,
    directory,
    dir,
    mx: server.port('smtp-mx'),
    submission: server.port('smtp-submission'),
    submissions: server.port('smtp-submissions'),
    async messages(account, folder = 'INBOX') {
      const mailbox = await store.getMailbox(account, folder);
      if (!mailbox) return [];
      return Promise.all((await store.listMessages(mailbox.id)).map((m) => store.readBlob(m.blobId)));
    },
    close,
  };
}

/** Unit vpubnd; annv and binhtt (passwords changed, annv may send as vpubnd); cuonglv (must change); dungpv retired. */
async function populate(directory: Directory): Promise<void> {
  const admin = directory.admin;
  const request = { actor: 'cli:test', doc: TEST_DOC };
  await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, request);
  for (const [name, address] of [
    ['Nguyễn Văn An', 'annv'],
    ['Trần Thị Bình', 'binhtt'],
    ['Lê Văn Cường', 'cuonglv'],
    ['Phạm Văn Dũng', 'dungpv'],
  ] as const) {
    await admin.addPerson({ name, unit: 'vpubnd', address, password: `${PASSWORD}-initial` }, request);
  }
  for (const person of [ANNV, BINHTT]) {
    const changed = await directory.changePassword(person, `${PASSWORD}-initial`, PASSWORD, { protocol: 'cli', ip: '127.0.0.1' });
    if (!changed.ok) throw new Error(`password change for ${person} failed: ${JSON.stringify(changed)}`);
  }
  admin.grantDelegation({ unit: 'vpubnd', person: 'annv', sendAs: true }, request);
  admin.retirePerson('dungpv', request);
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: Buffer;
  readonly secure: boolean;
  /** MAIL FROM's parameters as the remote server parsed them (SIZE, BODY, …), names in upper case. */
  readonly mailFromArgs: Readonly<Record<string, string | true>>;
}

export interface Internet {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Transactions whose DATA was held unanswered (recipients starting with "stall"). */
  readonly stalled: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * The rest of the world: one SMTP server on 127.0.0.1 that every MX in the test DNS points to.
 * RCPT local parts starting with "reject" get 550 5.1.1, "defer" get 451 4.3.0; the first message
 * to a "stall" local part is read but never answered (a sender that dies then has sent it, unacknowledged).
 */
export async function startInternet(): Promise<Internet> {
  const received: ReceivedMail[] = [];
  const stalled: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    // Offers SIZE (RFC 1870), as every MTA of the Internet does, so MAIL FROM's SIZE= is seen.
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('reject')) return callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      if (address.address.startsWith('defer')) return callback(Object.assign(new Error('4.3.0 try later'), { responseCode: 451 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          mailFromArgs: (session.envelope.mailFrom ? session.envelope.mailFrom.args : null) || {},
        };
        const stall = mail.to.some((to) => to.startsWith('stall')) && !stalled.some((m) => m.to.join() === mail.to.join());
        if (stall) return void stalled.push(mail);
        received.push(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    received,
    stalled,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `probe` until it gives a value (not undefined or false); throws after `timeoutMs`. */
/** A plain-text body of about `bytes`, lines of 78 characters, each numbered so a lost or moved chunk shows. */
export function numberedBody(bytes: number): string {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = `${String(i).padStart(8, '0')} ${'spool test line '.repeat(5).slice(0, 67)}\r\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
