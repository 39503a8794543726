/**
 * `npm run bench -- smtp [--messages N] [--connections C] [--size BYTES] [--filters off|on|both]
 *  [--clamd-tmpdir DIR] [--compare]`
 * `npm run bench -- smtp --served [--backend sqlite|postgres|both] [--compare] [--messages N] [--size BYTES]
 *  [--crash] [--profile DIR] [--bayes trained|untrained]`
 *
 * --served: the headline figures, `cantho-mail serve` as a child process loaded by smtp-source
 * (bench/smtp-served.ts), then this file's in-process run as a second line (filters on, node
 * client, --connections over --messages). --backend (default sqlite) picks the store serve runs on;
 * postgres or both start a private PostgreSQL (bench/smtp-served.ts).
 *
 * In-process MX intake end to end: C parallel connections send N messages of SIZE bytes to one local
 * recipient; a message counts when its `250` arrived, which cantho-mail sends only after the
 * store has committed it (synchronous=FULL, group commit). Runs with the filter pipeline off
 * and on (spam rules from config/spam-rules.toml, Bayes, and clamd with a test signature when
 * Debian's clamd is installed). With --compare, the same load is also driven by Postfix's own
 * smtp-source against cantho-mail and against Debian's Postfix (own config directory, loopback
 * port, virtual(8) delivery into a Maildir), and the ratio is printed.
 */
import { MemoryBudget, MessageSpool } from '../src/limits/index.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { configFromObject } from '../src/config/index.js';
import type { AppContext } from '../src/context.js';
import { Directory } from '../src/directory/index.js';
import { BayesLearner } from '../src/filters/bayes/learn.js';
import { loadRulesFile, snapshotOf } from '../src/filters/index.js';
import { createFilterPipeline } from '../src/filters/pipeline.js';
import type { FilterPipeline } from '../src/filters/verdict.js';
import { HealthMonitor } from '../src/health/index.js';
import { startAnalysisWorkers } from '../src/server.js';
import { startSmtp } from '../src/smtp/server.js';
import { openBayesStore } from '../src/store/bayes.js';
import { openDatabase, openSieveStore, SqliteMailStore } from '../src/store/index.js';
import { SqliteOutboundQueue } from '../src/store/queue.js';
import { asAccountId } from '../src/store/types.js';
import { loadTlsCertificate } from '../src/tls.js';
import { startClamd, type RunningClamd } from '../test/helpers/clamd.js';
import { RawSmtp } from '../test/smtp/raw-client.js';
import { smtpSource, startPostfix } from './reference/postfix.js';
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
      filters: { type: 'string', default: 'both' },
      'clamd-tmpdir': { type: 'string', default: '/dev/shm' },
      compare: { type: 'boolean', default: false },
      served: { type: 'boolean', default: false },
      crash: { type: 'boolean', default: false },
      profile: { type: 'string' },
      backend: { type: 'string', default: 'sqlite' },
      bayes: { type: 'string', default: 'trained' },
    },
  });
  if (values.served) {
    if (values.bayes !== 'trained' && values.bayes !== 'untrained') throw new Error(`--bayes must be trained or untrained, not "${values.bayes}"`);
    const { runServed } = await import('./smtp-served.js');
    await runServed({
      messages: Number(values.messages),
      size: Number(values.size),
      compare: values.compare,
      crash: values.crash,
      profileDir: values.profile ?? null,
      clamdTmpdir: values['clamd-tmpdir'],
      backend: values.backend,
      bayesTrained: values.bayes === 'trained',
    });
    console.log('second line, in-process (injected resolver, no child process):');
    values.filters = 'on';
    values.compare = false;
  }
  const choices: Record<string, ReadonlyArray<'off' | 'on'>> = { both: ['off', 'on'], off: ['off'], on: ['on'] };
  const settings = choices[values.filters];
  if (!settings) throw new Error(`--filters must be off, on or both, not "${values.filters}"`);
  const load: Load = { messages: Number(values.messages), connections: Number(values.connections), size: Number(values.size) };
  const smtpSourceLoad = { messages: load.messages, sessions: load.connections, size: load.size };
  console.log(`${load.messages} messages of ${load.size} bytes over ${load.connections} connections, one local recipient`);
  /** messages/s measured with smtp-source (--compare), by filter setting. */
  const withSmtpSource = new Map<'off' | 'on', number>();
  const clamdTmpdir = values['clamd-tmpdir'];
  const clamd = settings.includes('on') && commandExists('clamd') ? await startBenchClamd(clamdTmpdir) : null;
  try {
    for (const filters of settings) {
      const server = await startBenchServer(filters === 'on' ? (clamd ?? 'no-clamd') : 'off');
      const label = `cantho-mail, filters ${filters}${filters === 'on' ? (clamd ? ` (rules, Bayes, clamd with its temporary files in ${clamdTmpdir})` : ' (rules, Bayes; no clamd)') : ''}`;
      try {
        let cpu = process.cpuUsage();
        report(`${label}, node client`, load.messages, await nodeLoad(server.port, load), await server.stored(), process.cpuUsage(cpu));
        if (values.compare) {
          const before = await server.stored();
          cpu = process.cpuUsage();
          const seconds = await smtpSource(server.port, smtpSourceLoad);
          report(`${label}, smtp-source`, load.messages, seconds, (await server.stored()) - before, process.cpuUsage(cpu));
          withSmtpSource.set(filters, load.messages / seconds);
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    await clamd?.stop();
  }
  if (!values.compare) return;
  const postfix = await startPostfix();
  try {
    const started = process.hrtime.bigint();
    const accepted = await smtpSource(postfix.port, smtpSourceLoad);
    await postfix.waitForDelivered(load.messages, 600_000);
    const delivered = Number(process.hrtime.bigint() - started) / 1e9;
    report('postfix (virtual(8) Maildir), smtp-source: accepted (queued)', load.messages, accepted, load.messages);
    report('postfix (virtual(8) Maildir), smtp-source: delivered to Maildir', load.messages, delivered, postfix.deliveredCount());
    // Our 250 comes after the mailbox commit, so the fair Postfix figure is "in the Maildir".
    const postfixRate = load.messages / delivered;
    const ratios = settings.map((filters) => `filters ${filters} ${(withSmtpSource.get(filters)! / postfixRate).toFixed(2)}`);
    console.log(`ratio cantho-mail / postfix, both until the message is in the mailbox: ${ratios.join(', ')}`);
  } finally {
    await postfix.stop();
  }
}

/**
 * `cpu` (this process: the server, plus the node client when it drives the load) makes runs on a
 * shared, loaded machine comparable where messages/s alone swings with the neighbours' load.
 */
function report(label: string, messages: number, seconds: number, stored: number, cpu?: NodeJS.CpuUsage): void {
  const perMessage = cpu ? `; cpu ${((cpu.user + cpu.system) / 1000 / messages).toFixed(2)} ms/message (user ${(cpu.user / 1000 / messages).toFixed(2)})` : '';
  console.log(`${label}: ${(messages / seconds).toFixed(0)} messages/s (${seconds.toFixed(2)} s; ${stored} stored${perMessage})`);
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * clamd writes every INSTREAM to a temporary file, and with ScanMail each MIME part to more, in
 * its TemporaryDirectory (default: $TMPDIR, else /tmp). Measured on this container, whose /tmp is
 * on disk: a 4 KB mail cost clamd 0.16–0.39 ms CPU per scan and it topped out at 600–2,900
 * scans/s over 10 connections; with the files on tmpfs, 0.08–0.09 ms and 5,800–6,900 scans/s.
 * Debian 13 mounts /tmp as tmpfs on new installs, so tmpfs is what clamd gets there; pass
 * `--clamd-tmpdir /tmp` to measure the disk case; only clamd's TemporaryDirectory moves: our data
 * directory and Postfix's stay on disk.
 */
async function startBenchClamd(tmpdir: string): Promise<RunningClamd> {
  const scratch = mkdtempSync(path.join(tmpdir, 'cm-clamd-'));
  const clamd = await startClamd({ temporaryDirectory: scratch });
  return {
    ...clamd,
    async stop() {
      await clamd.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

interface BenchServer {
  readonly port: number;
  stored(): Promise<number>;
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
  await directory.admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, { actor: 'cli:bench', doc: 'BENCH' });
  await directory.admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', address: 'annv' }, { actor: 'cli:bench', doc: 'BENCH' });
  const resolver = async (name: string): Promise<unknown[]> => {
    throw Object.assign(new Error(`no DNS in the bench: ${name}`), { code: 'ENOTFOUND' });
  };
  const workers = startAnalysisWorkers(config, resolver, logger);
  await workers.ready();
  const pipeline =
    filters === 'off' ? null : createFilterPipeline(config, { logger, resolver, bayes: new BayesLearner(openBayesStore(db)), watchRules: false, workers });
  const accepted = async () => ({ action: 'accept', score: 0, reasons: [], addHeaders: [], subjectTag: null }) as const;
  // Filters off still names a rule set: the MX's worker job reads the message under one.
  const loaded = loadRulesFile(config.paths.spamRules);
  if (!loaded.ok) throw new Error(`bench rules file: ${loaded.error.kind}`);
  const accept: FilterPipeline = {
    check: accepted,
    begin: () => ({ rules: snapshotOf(loaded.rules), finish: accepted }),
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
    tls: await loadTlsCertificate(config, logger),
    resolver,
    memory: new MemoryBudget(config.limits.memory_ceiling),
    spool: MessageSpool.open(config.paths.dataDir, config.limits.spool_threshold),
    workers,
    health: new HealthMonitor(),
    sieve: openSieveStore(db),
  };
  const listeners = await startSmtp(ctx, { queueWorker: false });
  const inbox = async () => (await store.getMailbox(asAccountId(RECIPIENT), 'INBOX'))!;
  return {
    port: listeners[0]!.port,
    stored: async () => (await store.mailboxCounts((await inbox()).id)).messages,
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      pipeline?.close();
      await workers.close();
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
