/**
 * `npm run bench -- smtp --served [--backend sqlite|postgres|both] [--compare] [--messages N] [--size BYTES] [--crash] [--profile DIR]
 *  [--bayes trained|untrained]`
 *
 * The MX as an admin runs it: `node bin/cantho-mail.mjs serve` from a copy of the shipped config
 * (test/interop/readme-server.ts) with a real clamd (test signature DB, its temporary files on
 * tmpfs, Debian's 12 threads), the spam rules and Bayes on, synchronous=FULL, the data directory on disk. Only these
 * keys differ from the README's start, besides ports and paths:
 * - `[dns] servers`: a loopback DNS server of ours (test/helpers/dns-server.ts) answering SPF,
 *   DMARC, PTR and A for the load's sender, NXDOMAIN for anything else;
 * - `[smtp] max_connection_rate_per_ip = 0`: every connection comes from 127.0.0.1 here, where on
 *   the Internet the load would come from many addresses.
 *
 * Loads, each by Postfix's own generator `smtp-source` (Debian's postfix package) with messages
 * of SIZE bytes to one local recipient: a new connection per message over 10 and 50 sessions, and
 * 10 sessions each keeping its connection (pooled), after 200 unmeasured messages to each server
 * (warm-up). With --compare each load also runs against
 * Debian's Postfix (bench/reference/postfix.ts: virtual(8) into a Maildir), alternating which
 * goes first. Printed per run:
 * - messages/s until every message is in the mailbox: ours when smtp-source has its last 250
 *   (sent only after COMMIT), checked by counting the rows in the store; Postfix's when the
 *   files are in the Maildir's new/;
 * - DATA latency p50/p99 as a client sees it (from the message text sent after 354 to the final
 *   reply), measured by one more session that sends its messages the same way during the load;
 * - CPU seconds per 1,000 messages of the server's process tree from /proc (Postfix: the master
 *   and every daemon, exited ones included), clamd's shown separately.
 * Then one session sends one message after another with its final `.` as a write of its own, from
 * a client without TCP_NODELAY (bench/single-op.ts): ms per message, ours and Postfix's.
 * --crash: 50 sessions sending, `kill -9` of serve half-way, restart, and every message that got
 * a 250 must be in the store exactly once. --profile DIR: serve runs with `--cpu-prof` and the
 * share of the group commit (src/store/group-commit.ts, its fsync included) is printed (with
 * --backend both, per serve from DIR/sqlite and DIR/postgres).
 * --backend (default sqlite): the store serve runs on. postgres: a private PostgreSQL cluster
 * (bench/served-backend.ts) and `[store] backend = "postgres"`, `postgres_url`, `postgres_pool = 20`
 * in the served config; both: one served instance on each, every load run on both (which goes
 * first alternates), lines labelled `cantho-mail (sqlite)` / `cantho-mail (postgres)`, then the
 * ratio postgres / sqlite. On PostgreSQL the CPU line adds the postgres processes' CPU seconds
 * per 1,000 messages (postmaster and backends from /proc, as clamd's), and messages are counted
 * in PostgreSQL.
 * --bayes (default trained): before any load, each served instance's Bayes learns the training half
 * of the public corpus (../shared/corpus train-spam.mbox and train-ham.mbox, about 1,000 spam and
 * 2,000 ham) and LOAD_HAM messages of smtp-source's own as ham, the way an admin teaches it,
 * `cantho-mail spam train` (the corpus alone makes Bayes refuse smtp-source's text); past the rules file's
 * `min_spam`/`min_ham` Bayes scores every message, so its token and near-duplicate lookups are in
 * the figures. untrained: Bayes knows nothing and stays silent (filter.ts), its cost left out.
 * Nothing asserts a timing; the figures are printed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { asAccountId } from '../src/store/types.js';
import { reverseName, startDnsServer, type RunningDnsServer } from '../test/helpers/dns-server.js';
import { runProcess, startReadmeServer, type ReadmeServer } from '../test/interop/readme-server.js';
import { RawSmtp } from '../test/smtp/raw-client.js';
import { groupCommitShare } from './cpu-profile.js';
import { cpuOfProcessTree } from './reference/processes.js';
import { smtpSource, startPostfix, type RunningPostfix } from './reference/postfix.js';
import { openServedMailStore, servedBackends, startServedStore, type ServedStore } from './served-backend.js';
import { compareSmtpLatency } from './single-op.js';
import { defaultCorpus } from './spam.js';

const SENDER = 'load@example.org';
const RECIPIENT = 'annv@cantho.gov.vn';
const WARM_UP_MESSAGES = 200;
/** smtp-source messages learnt as ham with --bayes trained (trainBayes). */
const LOAD_HAM = 100;
/** Messages of the single-session line, per server and round (bench/single-op.ts). */
const SINGLE_SESSION_MESSAGES = 60;

export interface ServedOptions {
  readonly messages: number;
  readonly size: number;
  readonly compare: boolean;
  readonly crash: boolean;
  readonly profileDir: string | null;
  readonly clamdTmpdir: string;
  /** `--backend`: sqlite, postgres or both (bench/served-backend.ts). */
  readonly backend: string;
  /** `--bayes trained`: `spam train` on the corpus' training half before loading. */
  readonly bayesTrained: boolean;
}

interface Load {
  readonly label: string;
  readonly sessions: number;
  readonly reuseConnections: boolean;
}

const LOADS: readonly Load[] = [
  { label: 'new connection per message, 10 sessions', sessions: 10, reuseConnections: false },
  { label: 'new connection per message, 50 sessions', sessions: 50, reuseConnections: false },
  { label: 'pooled: 10 sessions, one connection each', sessions: 10, reuseConnections: true },
];

/** What a run needs from either server. */
interface Target {
  readonly name: string;
  readonly port: number;
  /** CPU seconds so far: [server tree, clamd or null, PostgreSQL or null]. */
  cpu(): [number, number | null, number | null];
  stored(): Promise<number>;
  /** Resolves once `count` messages are in the mailbox (bounded). */
  waitStored(count: number): Promise<void>;
  /** Where the server says its time went so far, if it says (our /metrics). */
  breakdown?(): Promise<string>;
}

interface RunResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPer1000: number;
  readonly clamdPer1000: number | null;
  readonly databasePer1000: number | null;
}

export async function runServed(options: ServedOptions): Promise<void> {
  const backends = servedBackends(options.backend);
  const dns = await startLoadZone();
  const clamdScratch = mkdtempSync(path.join(options.clamdTmpdir, 'cm-clamd-'));
  const stores: ServedStore[] = [];
  const servers: ReadmeServer[] = [];
  // One profile directory per serve: groupCommitShare reads the newest profile of a directory.
  const profileDirs = backends.map((backend) => (options.profileDir && backends.length > 1 ? path.join(options.profileDir, backend) : options.profileDir));
  let postfix: RunningPostfix | null = null;
  try {
    const ours: Target[] = [];
    for (const [index, backend] of backends.entries()) {
      const profileDir = profileDirs[index] ?? null;
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      const store = await startServedStore(backend);
      stores.push(store);
      const server = await startReadmeServer({
        passwordChange: 'config',
        // Debian's /etc/clamav/clamd.conf: MaxThreads 12; 50 sessions scan at once.
        clamd: { temporaryDirectory: clamdScratch, maxThreads: 12 },
        nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        config: { dns: { servers: [dns.address] }, smtp: { max_connection_rate_per_ip: 0 }, ...store.config },
      });
      servers.push(server);
      const official = await server.addOfficial('Nguyễn Văn An');
      if (official.address !== RECIPIENT) throw new Error(`the bench's official is ${official.address}, not ${RECIPIENT}`);
      ours.push(servedTarget(server, store));
      console.log(`served on ${backend}: data dir ${server.dataDir}; Bayes ${options.bayesTrained ? await trainBayes(server, options.size) : 'untrained (silent)'}`);
    }
    postfix = options.compare ? await startPostfix() : null;
    const reference = postfix ? postfixTarget(postfix) : null;
    const targets = reference ? [...ours, reference] : ours;
    console.log(`served: ${options.messages} messages of ${options.size} bytes per run; clamd temporary files in ${options.clamdTmpdir}`);
    // Unmeasured: JIT, the first Bayes and rules passes, clamd's first scans, the DNS cache, PostgreSQL's buffers, Postfix's daemons.
    for (const target of targets) {
      const before = await target.stored();
      await smtpSource(target.port, { messages: WARM_UP_MESSAGES, sessions: 10, size: options.size, from: SENDER, to: RECIPIENT });
      await target.waitStored(before + WARM_UP_MESSAGES);
    }
    for (const [index, load] of LOADS.entries()) {
      // Each load starts with another server, so that none always runs first on a machine whose load drifts.
      const turn = index % targets.length;
      const results = new Map<string, RunResult>();
      for (const target of [...targets.slice(turn), ...targets.slice(0, turn)]) results.set(target.name, await measure(target, load, options));
      const ratio = (a: Target, b: Target) => `${(results.get(a.name)!.perSecond / results.get(b.name)!.perSecond).toFixed(2)}x`;
      if (ours.length === 2) console.log(`  ratio postgres / sqlite, ${load.label}: msg/s ${ratio(ours[1]!, ours[0]!)}`);
      if (reference) for (const target of ours) console.log(`  ratio ${target.name} / postfix, ${load.label}: ${ratio(target, reference)}`);
    }
    // One message at a time from a Nagle client: the delayed-ACK regression line (docs/tcp-delayed-ack.md).
    const single = postfix ? { name: 'postfix', target: { port: postfix.port, recipient: postfix.addresses[0]! } } : null;
    for (const [index, target] of ours.entries()) await compareSmtpLatency({ port: target.port, recipient: RECIPIENT }, index === 0 ? single : null, SINGLE_SESSION_MESSAGES, target.name);
    if (options.crash) for (const [index, server] of servers.entries()) await crashCheck(server, ours[index]!.name);
  } finally {
    await postfix?.stop();
    for (const server of servers) await server.stop();
    for (const store of stores) await store.stop();
    await dns.close();
    rmSync(clamdScratch, { recursive: true, force: true });
  }
  for (const [index, profileDir] of profileDirs.entries()) if (profileDir) console.log(`${backends[index]}: ${groupCommitShare(profileDir)}`);
}

/**
 * `cantho-mail spam train` on the corpus' training half, then on LOAD_HAM messages of the load's
 * own (smtp-source's, caught by catchLoadMessages) learnt as ham: trained on the corpus alone,
 * Bayes finds smtp-source's header-poor "La de da" text spammy enough to refuse it (550), as a
 * real MX's users would have taught it otherwise after a few days of such mail from a correspondent.
 * Returns what `spam train` printed (what Bayes knows).
 */
async function trainBayes(server: ReadmeServer, size: number): Promise<string> {
  const corpus = defaultCorpus();
  const loadHam = mkdtempSync(path.join(server.dir, 'load-ham-'));
  const started = process.hrtime.bigint();
  await catchLoadMessages(loadHam, size);
  const printed: string[] = [];
  for (const args of [['--spam', path.join(corpus, 'train-spam.mbox'), '--ham', path.join(corpus, 'train-ham.mbox')], ['--ham', loadHam]]) {
    // Not server.cli: its 60 s bound is too short for 3,000 messages on a loaded machine.
    const trained = await runProcess(process.execPath, [path.resolve('bin', 'cantho-mail.mjs'), '--config', server.configFile, 'spam', 'train', ...args], { timeoutMs: 900_000 });
    if (trained.code !== 0) throw new Error(`spam train failed: ${trained.stderr}`);
    printed.push(trained.stdout.trim());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return `trained by \`spam train\` in ${seconds.toFixed(0)} s on ${corpus} (${printed[0]}) then on ${LOAD_HAM} of the load's own messages as ham (${printed[1]})`;
}

/** Writes LOAD_HAM messages as smtp-source sends them, one .eml each, caught by a minimal SMTP listener of ours. */
async function catchLoadMessages(dir: string, size: number): Promise<void> {
  let caught = 0;
  const sink = createServer((socket) => {
    let buffered = '';
    let inData = false;
    socket.setEncoding('latin1');
    socket.write('220 sink\r\n');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // RFC 5321 §4.5.2: a leading dot was doubled by the client.
          writeFileSync(path.join(dir, `${caught++}.eml`), Buffer.from(buffered.slice(0, end + 2).replace(/^\.\./gm, '.'), 'latin1'));
          buffered = buffered.slice(end + 5);
          inData = false;
          socket.write('250 kept\r\n');
          continue;
        }
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) return;
        const verb = buffered.slice(0, eol).split(' ')[0]!.toUpperCase();
        buffered = buffered.slice(eol + 2);
        if (verb === 'DATA') inData = true;
        socket.write(verb === 'DATA' ? '354 go on\r\n' : verb === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n');
        if (verb === 'QUIT') socket.end();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  try {
    await smtpSource((sink.address() as AddressInfo).port, { messages: LOAD_HAM, sessions: 1, size, from: SENDER, to: RECIPIENT });
  } finally {
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  }
}

/** SPF pass and DMARC p=none for the sender's domain, a confirmed PTR for 127.0.0.1; NXDOMAIN otherwise. */
function startLoadZone(): Promise<RunningDnsServer> {
  return startDnsServer({
    'example.org': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=none'] },
    [reverseName('127.0.0.1')]: { PTR: ['load.example.org'] },
    'load.example.org': { A: ['127.0.0.1'] },
  });
}

function servedTarget(server: ReadmeServer, backing: ServedStore): Target {
  const stored = async (): Promise<number> => {
    const { store, close } = await openServedMailStore(server.configFile);
    try {
      const inbox = await store.getMailbox(asAccountId(RECIPIENT), 'INBOX');
      return inbox ? (await store.mailboxCounts(inbox.id)).messages : 0;
    } finally {
      await close();
    }
  };
  return {
    name: `cantho-mail (${backing.backend})`,
    port: server.ports.mx,
    cpu: () => [cpuOfProcessTree(server.pid()!), cpuOfProcessTree(server.clamdPid), backing.databaseCpu()],
    stored,
    // Our 250 comes after COMMIT: a message acknowledged is already counted.
    async waitStored() {},
    breakdown: () => filterTimes(server.ports.http),
  };
}

function postfixTarget(postfix: RunningPostfix): Target {
  return {
    name: 'postfix',
    port: postfix.port,
    cpu: () => [cpuOfProcessTree(postfix.masterPid), null, null],
    stored: async () => postfix.deliveredCount(),
    waitStored: (count) => postfix.waitForDelivered(count, 600_000),
  };
}

async function measure(target: Target, load: Load, options: ServedOptions): Promise<RunResult> {
  const before = await target.stored();
  const [cpuBefore, clamdBefore, databaseBefore] = target.cpu();
  const started = process.hrtime.bigint();
  let loadDone = false;
  const probe = probeDataLatency(target.port, load.reuseConnections, options.size, () => loadDone);
  try {
    await smtpSource(target.port, { messages: options.messages, sessions: load.sessions, size: options.size, reuseConnections: load.reuseConnections, from: SENDER, to: RECIPIENT });
  } finally {
    loadDone = true;
  }
  const latencies = await probe;
  const expected = options.messages + latencies.length;
  await target.waitStored(before + expected);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = (await target.stored()) - before;
  const [cpuAfter, clamdAfter, databaseAfter] = target.cpu();
  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const result: RunResult = {
    perSecond: stored / seconds,
    p50: quantile(0.5),
    p99: quantile(0.99),
    cpuPer1000: ((cpuAfter - cpuBefore) / stored) * 1000,
    clamdPer1000: per1000(clamdBefore, clamdAfter, stored),
    databasePer1000: per1000(databaseBefore, databaseAfter, stored),
  };
  const clamd = result.clamdPer1000 === null ? '' : ` + clamd ${result.clamdPer1000.toFixed(2)}`;
  const database = result.databasePer1000 === null ? '' : ` + postgres ${result.databasePer1000.toFixed(2)}`;
  console.log(
    `${target.name}, ${load.label}: ${result.perSecond.toFixed(0)} msg/s (${stored} of ${expected} in the mailbox in ${seconds.toFixed(2)} s); ` +
      `DATA p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (${latencies.length} probe messages); ` +
      `CPU ${result.cpuPer1000.toFixed(2)} s${clamd}${database} per 1,000 messages`,
  );
  if (target.breakdown) console.log(`  ${await target.breakdown()}`);
  return result;
}

/** CPU seconds per 1,000 stored messages of a process tree that the target may not have (null). */
function per1000(before: number | null, after: number | null, stored: number): number | null {
  return before === null || after === null ? null : ((after - before) / stored) * 1000;
}

/** Mean time per message of each filter since start, from `cantho_filter_duration_seconds` on /metrics. */
async function filterTimes(httpPort: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const total = (kind: 'sum' | 'count', filter: string) =>
    Number(new RegExp(`^cantho_filter_duration_seconds_${kind}\\{filter="${filter}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const filters = [...text.matchAll(/^cantho_filter_duration_seconds_count\{filter="([^"]+)"\}/gm)].map((m) => m[1]!);
  const means = filters.map((f) => `${f} ${((total('sum', f) / total('count', f)) * 1000).toFixed(1)} ms`);
  return `mean filter time per message since start (/metrics): ${means.join(', ') || 'none reported'}`;
}

/**
 * One more session during the load, sending like the load does (new connection per message or
 * one kept connection) until `done()`; returns each message's DATA latency in ms: from writing
 * the text after 354 to the final reply.
 */
async function probeDataLatency(port: number, reuse: boolean, size: number, done: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  let client: RawSmtp | null = null;
  for (let n = 0; !done(); n++) {
    if (!client) {
      client = await RawSmtp.connect(port);
      await client.hello('probe.example.org');
    }
    for (const [command, expected] of [[`MAIL FROM:<${SENDER}>`, '250'], [`RCPT TO:<${RECIPIENT}>`, '250'], ['DATA', '354']] as const) {
      const reply = await client.command(command);
      if (!reply.startsWith(expected)) throw new Error(`probe: ${command} answered ${reply}`);
    }
    const sent = process.hrtime.bigint();
    client.write(`${probeMessage(n, size)}.\r\n`);
    const reply = await client.reply(60_000);
    if (!reply.startsWith('250')) throw new Error(`probe: message refused: ${reply}`);
    latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
    if (!reuse) {
      await client.quit();
      client = null;
    }
  }
  await client?.quit();
  return latencies;
}

function probeMessage(n: number, size: number): string {
  const head = `From: ${SENDER}\r\nTo: ${RECIPIENT}\r\nSubject: probe ${n}\r\nMessage-ID: <probe-${n}-${Date.now()}@example.org>\r\n\r\n`;
  const line = 'probe text, as long as the load generator sends it '.padEnd(76, '.') + '\r\n';
  return head + line.repeat(Math.max(1, Math.floor((size - head.length) / line.length)));
}

/**
 * DESIGN.md "Durability" against the served process: 50 sessions send one message after the
 * other; at half of them acknowledged, `kill -9`; after a restart on the same data, every
 * message that got 250 is in the store exactly once, and nothing that was never sent.
 */
async function crashCheck(server: ReadmeServer, name: string): Promise<void> {
  const sessions = 50;
  const perSession = 40;
  const acknowledged = new Set<string>();
  const attempted = new Set<string>();
  const senders = Array.from({ length: sessions }, (_, s) => sendUntilKilled(server.ports.mx, s, perSession, acknowledged, attempted));
  const killAt = (sessions * perSession) / 2;
  const deadline = Date.now() + 120_000;
  while (acknowledged.size < killAt && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await server.crash();
  const atKill = acknowledged.size;
  await Promise.all(senders);
  await server.restart();
  const { store, close } = await openServedMailStore(server.configFile);
  const counts = new Map<string, number>();
  try {
    const inbox = (await store.getMailbox(asAccountId(RECIPIENT), 'INBOX'))!;
    for (const row of await store.listMessages(inbox.id)) {
      const id = /^Subject: crash (\S+)\r$/m.exec((await store.readBlob(row.blobId)).toString('latin1'))?.[1];
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  } finally {
    await close();
  }
  const missing = [...acknowledged].filter((id) => counts.get(id) !== 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unsent = [...counts.keys()].filter((id) => !attempted.has(id));
  const ok = missing.length === 0 && twice.length === 0 && unsent.length === 0;
  console.log(
    `${name}: crash check (kill -9 during ${sessions} sessions): ${acknowledged.size} acknowledged (${atKill} when killed), ${counts.size} stored; ` +
      `${ok ? 'every acknowledged message stored exactly once' : `FAILED: ${missing.length} missing, ${twice.length} twice, ${unsent.length} never sent`}`,
  );
  if (!ok) process.exitCode = 1;
}

async function sendUntilKilled(port: number, session: number, count: number, acknowledged: Set<string>, attempted: Set<string>): Promise<void> {
  try {
    const smtp = await RawSmtp.connect(port);
    await smtp.hello();
    for (let n = 0; n < count; n++) {
      const id = `${session}-${n}`;
      if (!(await smtp.command(`MAIL FROM:<${SENDER}>`)).startsWith('250')) return;
      if (!(await smtp.command(`RCPT TO:<${RECIPIENT}>`)).startsWith('250')) return;
      if (!(await smtp.command('DATA')).startsWith('354')) return;
      attempted.add(id);
      smtp.write(`From: ${SENDER}\r\nSubject: crash ${id}\r\n\r\n${'x'.repeat(2000)}\r\n.\r\n`);
      if (!(await smtp.reply(60_000)).startsWith('250 ')) return;
      acknowledged.add(id);
    }
    await smtp.quit();
  } catch {
    // Killed under us: what had no 250 is the client's to retry.
  }
}
