/**
 * `npm run bench -- smtp [--messages N] [--connections C] [--size BYTES] [--compare]`
 *
 * MX intake end to end: C parallel connections send N messages of SIZE bytes to one local
 * recipient; a message counts when its `250` arrived, which cantho-mail sends only after the
 * store has committed it (synchronous=FULL, group commit). Runs with the filter pipeline off
 * and on (spam rules from config/spam-rules.toml, Bayes, and clamd with a test signature when
 * Debian's clamd is installed). With --compare, the same load is also driven by Postfix's own
 * smtp-source against cantho-mail and against Debian's Postfix (own config directory, loopback
 * port, virtual(8) delivery into a Maildir), and the ratio is printed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pino from 'pino';
import { configFromObject } from '../src/config/index.js';
import type { AppContext } from '../src/context.js';
import { addPerson, addUnit, Directory } from '../src/directory/index.js';
import { BayesLearner } from '../src/filters/bayes/learn.js';
import { createFilterPipeline } from '../src/filters/pipeline.js';
import type { FilterPipeline } from '../src/filters/verdict.js';
import { startSmtp } from '../src/smtp/server.js';
import { openBayesStore } from '../src/store/bayes.js';
import { openDatabase, SqliteMailStore } from '../src/store/index.js';
import { SqliteOutboundQueue } from '../src/store/queue.js';
import { asAccountId } from '../src/store/types.js';
import { loadTlsMaterial } from '../src/tls.js';
import { startClamd, type RunningClamd } from '../test/helpers/clamd.js';
import { RawSmtp } from '../test/smtp/raw-client.js';

const run$ = promisify(execFile);
const RECIPIENT = 'annv@cantho.gov.vn';

interface Load {
  readonly messages: number;
  readonly connections: number;
  readonly size: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '5000' },
      connections: { type: 'string', default: '10' },
      size: { type: 'string', default: '4096' },
      compare: { type: 'boolean', default: false },
    },
  });
  const load: Load = { messages: Number(values.messages), connections: Number(values.connections), size: Number(values.size) };
  console.log(`${load.messages} messages of ${load.size} bytes over ${load.connections} connections, one local recipient`);
  const hasSmtpSource = values.compare && commandExists('smtp-source');
  const clamd = commandExists('clamd') ? await startClamd() : null;
  try {
    for (const filters of ['off', 'on'] as const) {
      const server = await startBenchServer(filters === 'on' ? clamd ?? 'no-clamd' : 'off');
      try {
        const seconds = await nodeLoad(server.port, load);
        report(`cantho-mail, filters ${filters}${filters === 'on' ? (clamd ? ' (rules, Bayes, clamd)' : ' (rules, Bayes; no clamd)') : ''}, node client`, load.messages, seconds, server.stored());
        if (hasSmtpSource) {
          const before = server.stored();
          const s = await smtpSourceLoad(server.port, load);
          report(`cantho-mail, filters ${filters}, smtp-source`, load.messages, s, server.stored() - before);
          if (filters === 'off') ours = load.messages / s;
          else oursFiltered = load.messages / s;
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    await clamd?.stop();
  }
  if (values.compare) {
    if (!hasSmtpSource || !commandExists('postfix')) {
      console.log('--compare: Debian postfix (postfix, smtp-source) is not installed: apt-get install postfix');
      return;
    }
    const postfix = await startPostfix();
    try {
      const accepted = await smtpSourceLoad(postfix.port, load);
      const delivered = await postfix.waitDelivered(load.messages);
      report('postfix 3 (virtual(8) Maildir), smtp-source: accepted (queued)', load.messages, accepted, load.messages);
      report('postfix 3 (virtual(8) Maildir), smtp-source: delivered to Maildir', load.messages, delivered, postfix.delivered());
      const postfixRate = load.messages / delivered;
      console.log(`ratio cantho-mail / postfix (both until the message is in the mailbox): filters off ${(ours / postfixRate).toFixed(2)}, filters on ${(oursFiltered / postfixRate).toFixed(2)}`);
    } finally {
      await postfix.stop();
    }
  }
}

let ours = 0;
let oursFiltered = 0;

function report(label: string, messages: number, seconds: number, stored: number): void {
  console.log(`${label}: ${(messages / seconds).toFixed(0)} messages/s (${seconds.toFixed(2)} s; ${stored} stored)`);
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface BenchServer {
  readonly port: number;
  stored(): number;
  close(): Promise<void>;
}

/** The MX on a fresh data directory with one official; filters off, or the real pipeline. */
async function startBenchServer(filters: 'off' | 'no-clamd' | RunningClamd): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const config = configFromObject({
    server: { data_dir: dir, log_level: 'warn' },
    smtp: { mx: '127.0.0.1:0', submission: '', submissions: '', max_connections_per_ip: 100, max_commands_before_data: 100_000 },
    imap: { listen: '', tls_listen: '' },
    http: { listen: '' },
    clamav: typeof filters === 'object' ? { enabled: true, socket: filters.socket } : { enabled: false },
    spam: { rules: path.resolve('config/spam-rules.toml') },
  });
  const logger = pino({ level: 'warn' });
  const db = openDatabase(config.paths.database);
  const store = new SqliteMailStore(db);
  const directory = new Directory({ db, config, store, logger, argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
  addUnit(directory.context, { localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, { actor: 'cli:bench', doc: 'BENCH' });
  await addPerson(directory.context, { name: 'Nguyễn Văn An', unit: 'vpubnd', address: 'annv' }, { actor: 'cli:bench', doc: 'BENCH' });
  const resolver = async (name: string): Promise<unknown[]> => {
    throw Object.assign(new Error(`no DNS in the bench: ${name}`), { code: 'ENOTFOUND' });
  };
  const pipeline = filters === 'off' ? null : createFilterPipeline(config, { logger, resolver, bayes: new BayesLearner(openBayesStore(db)), watchRules: false });
  const accept: FilterPipeline = {
    check: async () => ({ action: 'accept', score: 0, reasons: [], addHeaders: [], subjectTag: null }),
    learn: async () => undefined,
    unlearn: async () => undefined,
  };
  const ctx: AppContext = {
    config,
    logger,
    store,
    queue: new SqliteOutboundQueue(db),
    directory,
    filters: pipeline ?? accept,
    tls: await loadTlsMaterial(config),
    resolver,
  };
  const listeners = await startSmtp(ctx, { queueWorker: false });
  const inbox = () => store.getMailbox(asAccountId(RECIPIENT), 'INBOX')!;
  return {
    port: listeners[0]!.port,
    stored: () => store.mailboxCounts(inbox().id).messages,
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      pipeline?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A 4 KB-ish message, different for every n (a real mail stream has no two identical bodies). */
function message(n: number, size: number): string {
  const head = `From: load@example.org\r\nTo: ${RECIPIENT}\r\nSubject: load ${n}\r\nMessage-ID: <load-${n}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n\r\n`;
  const line = `message ${n} `.padEnd(76, 'lorem ipsum dolor sit amet ') + '\r\n';
  let body = '';
  while (head.length + body.length + line.length <= size) body += line;
  return head + body + 'x'.repeat(Math.max(0, size - head.length - body.length - 2)) + '\r\n';
}

/** C connections, each sending its share one message after the other (MAIL/RCPT/DATA pipelined, RFC 2920). */
async function nodeLoad(port: number, load: Load): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: load.connections }, async () => {
      const client = await RawSmtp.connect(port);
      await client.hello();
      for (let n = next++; n < load.messages; n = next++) {
        client.write(`MAIL FROM:<load@example.org>\r\nRCPT TO:<${RECIPIENT}>\r\nDATA\r\n`);
        for (const expected of ['250', '250', '354']) {
          const reply = await client.reply();
          if (!reply.startsWith(expected)) throw new Error(`unexpected reply: ${reply}`);
        }
        client.write(`${message(n, load.size)}.\r\n`);
        const reply = await client.reply(60_000);
        if (!reply.startsWith('250')) throw new Error(`message ${n} refused: ${reply}`);
      }
      await client.quit();
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Postfix's own load generator: -d keeps the C sessions open, one message after the other. */
async function smtpSourceLoad(port: number, load: Load): Promise<number> {
  const started = process.hrtime.bigint();
  await run$('smtp-source', ['-d', '-s', String(load.connections), '-m', String(load.messages), '-l', String(load.size), '-f', 'load@example.org', '-t', RECIPIENT, `127.0.0.1:${port}`], { timeout: 600_000 });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface RunningPostfix {
  readonly port: number;
  delivered(): number;
  /** Seconds from the first message until `count` files are in the Maildir's new/. */
  waitDelivered(count: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Debian's Postfix in its own config directory: smtpd on a loopback port, every service
 * unchrooted, mail for cantho.gov.vn delivered by virtual(8) into a Maildir. Runs as root (the
 * postfix master must), with its queue, data and mail under one temp directory.
 */
async function startPostfix(): Promise<RunningPostfix> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-postfix-'));
  chmodSync(dir, 0o755); // the postfix user must reach its data and mail directories
  const port = await freePort();
  const [etc, spool, data, mail] = ['etc', 'spool', 'data', 'mail'].map((d) => path.join(dir, d)) as [string, string, string, string];
  for (const d of [etc, spool, data, mail]) mkdirSync(d);
  const uid = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postfix']).toString().trim());
  chownSync(data, uid, gid);
  chownSync(mail, uid, gid);
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((line) => line.replace(/^smtp(\s+)inet(\s+)n(\s+)-(\s+)y/, `127.0.0.1:${port} inet n - n`).replace(/^(\S+\s+(?:unix|unix-dgram|fifo|inet|pass)\s+\S+\s+\S+\s+)y/, '$1n'))
    .join('\n');
  writeFileSync(path.join(etc, 'master.cf'), master);
  writeFileSync(path.join(etc, 'vmailbox'), `${RECIPIENT} annv/\n`);
  writeFileSync(
    path.join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${spool}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = postfix-bench.localdomain',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'virtual_mailbox_domains = cantho.gov.vn',
      `virtual_mailbox_base = ${mail}`,
      `virtual_mailbox_maps = texthash:${path.join(etc, 'vmailbox')}`,
      `virtual_uid_maps = static:${uid}`,
      `virtual_gid_maps = static:${gid}`,
      'virtual_minimum_uid = 1',
      'alias_maps =',
      'alias_database =',
      'maillog_file_prefixes = /var, /dev/stdout, /tmp',
      `maillog_file = ${path.join(dir, 'maillog')}`,
      'smtpd_client_connection_count_limit = 0',
      'smtpd_client_message_rate_limit = 0',
      '',
    ].join('\n'),
  );
  copyFileSync('/etc/postfix/dynamicmaps.cf', path.join(etc, 'dynamicmaps.cf'));
  await run$('postfix', ['-c', etc, 'start'], { timeout: 30_000 });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 100));
  const newDir = path.join(mail, 'annv', 'new');
  const delivered = () => (existsSync(newDir) ? readdirSync(newDir).length : 0);
  const started = process.hrtime.bigint();
  return {
    port,
    delivered,
    async waitDelivered(count) {
      while (delivered() < count) await new Promise((r) => setTimeout(r, 20));
      return Number(process.hrtime.bigint() - started) / 1e9;
    },
    async stop() {
      await run$('postfix', ['-c', etc, 'stop'], { timeout: 30_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
