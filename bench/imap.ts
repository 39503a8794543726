/**
 * `npm run bench -- imap [--served [--backend sqlite|postgres|both]] [--messages N] [--connections C] [--compare]
 *                        [--clients K] [--seconds S] [--appends A] [--first-sync-only [--restarts K] [--warm-up on|off|both] [--serve-node-flags FLAGS]]`
 *
 * (a) N messages (default 10,000, about 3–7 KB, a third of them multipart with an attachment) in
 *     INBOX: time for `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)` over a socket,
 *     median of 3 runs.
 * (b) C (default 1,000) concurrent logged-in connections in IDLE on INBOX: the server's memory
 *     growth divided by C (the lowest of 10 samples over 10 s, see measureIdleMemory); then the
 *     same with COMPRESS=DEFLATE (RFC 4978) active on every connection. The server
 *     runs in a child process (`cantho-mail serve`, as users start it); memory is the proportional
 *     set size (PSS) of its process tree, so it compares with Dovecot's many processes without
 *     counting shared pages twice.
 * (e) after (a) and (b): the server restarted on the same data, the first such FETCH (our encoded
 *     ENVELOPE/BODYSTRUCTURE read back from the store) against the warm ones after it, in wall
 *     time and in the server's CPU time.
 * (c) --compare: the same against Dovecot from Debian (`dovecot-imapd`), started and filled with
 *     the same messages by bench/reference/dovecot.ts (own config in a temp directory, loopback
 *     port, passwd-file auth, maildir); then the ratios.
 *
 * Both are measured warm: our store is filled with store.deliver (group commit) before the server
 * starts, and one FETCH before the three timed ones builds our encoded-meta cache, as Dovecot's
 * warm-up builds its dovecot.index.cache. Nothing here asserts timings.
 *
 * --served: the product as an administrator runs it (bench/served.ts: `cantho-mail serve` from a
 * copy of the shipped config, real clamd, the official made with the CLI) and INBOX filled the
 * admin's way, `cantho-mail import <addr> --mbox FILE --folder INBOX`. Figures (a), (b) and, for
 * ours, (e) (after (c) and (d)) as above, and:
 * (c) a mixed load: K clients (default 10) looping SELECT/FETCH/STORE/SEARCH/APPEND/EXPUNGE for
 *     S seconds (default 30): commands per second and p50/p99 latency (bench/imap-mixed.ts);
 * (d) one APPEND at a time with a synchronising literal from clients without TCP_NODELAY, our raw
 *     client and Python's imaplib, A of each (default 100): ms per APPEND (bench/single-op.ts).
 * With --compare, Dovecot in the same run, then the ratios. The bench without --served (store
 * filled in this process) follows as a second line for (a).
 * --backend (default sqlite): the store serve runs on. postgres: a private PostgreSQL cluster
 * (bench/served-backend.ts); `cantho-mail import` writes the SQLite store only (docs/postgres.en.md
 * "What runs on PostgreSQL today"), so INBOX is imported as above and then moved the admin's way,
 * `cantho-mail migrate --from sqlite:PATH --to postgres:URL` (same UIDs, so the mixed load's UIDs
 * hold), and serve restarted with `[store] backend = "postgres"`; then the same figures. both:
 * SQLite's run, then PostgreSQL's, each with its own serve and data, then the ratios postgres / sqlite.
 *
 * --first-sync-only [--restarts K]: (e) alone, the store filled once in this process, then serve
 * restarted K times (default 5): first / warm per restart and their median. Each restart is
 * measured once the server's start-up work in the background is done (startUpSettled).
 * --warm-up (default on): serve with `[imap] warm_up` on, off, or both (each restart then runs
 * both, in turns of order, and each setting gets its own medians).
 * --serve-node-flags (with --first-sync-only): Node flags for each serve child, space-separated
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`); each timed FETCH's window is then printed on the
 * monotonic clock in µs (process.hrtime, the clock V8's profiles use), so a profile can be cut
 * into the first sync and the warm ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server.js';
import { formatMboxMessage } from '../src/mime/index.js';
import { ImapConnection } from './imap-connection.js';
import { BENCH_PASSWORD, seedOfficial, writeImapBenchConfig } from './imap-setup.js';
import { mixedLoad, type MixedLoadResult } from './imap-mixed.js';
import { startDovecot } from './reference/dovecot.js';
import { runProcess } from '../test/interop/readme-server.js';
import { SERVED_PASSWORD, startServedCanthoMail } from './served.js';
import { moveServedMailToPostgres, servedBackends, startServedStore, type ServedBackend, type ServedStore } from './served-backend.js';
import { appendLatency, formatLatency, imaplibAppendLatency, percentile, summarize, type LatencySummary } from './single-op.js';
import { freeLoopbackPort } from '../test/helpers/ports.js';
import { waitForListener } from './reference/ports.js';
import { cpuOfProcessTree, rssOfProcessTree } from './reference/processes.js';

const PASSWORD = BENCH_PASSWORD;
const FETCH_COMMAND = 'UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)';
const RUNS = 3;
/** Memory samples, a second apart, once the IDLE connections are open. */
const SAMPLES = 10;
/** `cantho-mail import` of the bench's INBOX. */
const IMPORT_TIMEOUT_MS = 20 * 60_000;
/** Distinct senders (`daott<k>@…`) among the bench messages; the mixed load searches for them. */
const SENDERS = 97;

interface RunningImap {
  readonly name: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Root of the server's process tree. */
  readonly pid: number;
  stop(): Promise<void>;
}

// --- the messages ----------------------------------------------------------------------------

/** Message n: plain text, or (every third) multipart/mixed with text, HTML and a small PDF. */
function benchMessage(n: number): Buffer {
  const header = [
    `From: =?utf-8?B?${Buffer.from(`Trần Thị Đào ${n % SENDERS}`).toString('base64')}?= <daott${n % SENDERS}@cantho.gov.vn>`,
    'To: Nguyễn Văn An <annv@cantho.gov.vn>',
    n % 5 === 0 ? 'Cc: Văn phòng <vpubnd@cantho.gov.vn>, Sở TT&TT <sotttt@cantho.gov.vn>' : null,
    `Subject: =?utf-8?B?${Buffer.from(`Báo cáo tình hình số ${n}`).toString('base64')}?=`,
    `Message-ID: <bench-${n}@cantho.gov.vn>`,
    `Date: Sat, ${1 + (n % 28)} Nov 2026 08:${String(n % 60).padStart(2, '0')}:00 +0700`,
    'MIME-Version: 1.0',
  ].filter((line) => line !== null);
  const text = 'Kính gửi các đơn vị: đề nghị báo cáo tình hình thực hiện kế hoạch năm 2026.\r\n'.repeat(20 + (n % 40));
  if (n % 3 !== 0) {
    return Buffer.from([...header, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text].join('\r\n'));
  }
  const boundary = `b${n}`;
  return Buffer.from(
    [
      ...header,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `<p>${text}</p>`,
      '--alt--',
      `--${boundary}`,
      `Content-Type: application/pdf; name="bao-cao-${n}.pdf"`,
      `Content-Disposition: attachment; filename="bao-cao-${n}.pdf"`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.alloc(600, n % 256).toString('base64').replace(/.{76}/g, '$&\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

// --- measurements ----------------------------------------------------------------------------

async function measureFetch(server: RunningImap): Promise<{ ms: number; runs: number[]; bytes: number }> {
  const client = await ImapConnection.open(server.port);
  await client.login(server.user, server.password);
  await client.command('S', 'SELECT INBOX');
  // One run first, not counted: it fills our encoded-meta cache as Dovecot's warm-up fills its cache file.
  await client.command('W', FETCH_COMMAND);
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    client.received = 0;
    const started = performance.now();
    await client.command(`F${i}`, FETCH_COMMAND);
    runs.push(performance.now() - started);
    bytes = client.received;
  }
  client.close();
  return { ms: percentile([...runs].sort((a, b) => a - b), 0.5), runs, bytes };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureIdleMemory(
  server: RunningImap,
  count: number,
  options: { readonly compress?: boolean } = {},
): Promise<{ perConnectionKiB: number; rssPerConnectionKiB: number; beforeKiB: number; afterKiB: number }> {
  await pause(1000);
  const before = rssOfProcessTree(server.pid);
  const connections: ImapConnection[] = [];
  const BATCH = 50;
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - opened) }, async () => {
        const client = await ImapConnection.open(server.port);
        await client.login(server.user, server.password);
        await client.command('S', 'SELECT INBOX');
        if (options.compress) await client.compress();
        client.send('I IDLE\r\n');
        await client.wait(/^\+ /m);
        return client;
      }),
    );
    connections.push(...batch);
  }
  // The logins and SELECTs leave garbage that a garbage-collected server gives back only over time:
  // the lowest of ten samples a second apart is what the connections themselves hold.
  let after = rssOfProcessTree(server.pid);
  for (let sample = 0; sample < SAMPLES; sample++) {
    await pause(1000);
    const now = rssOfProcessTree(server.pid);
    if (now.pssKiB < after.pssKiB) after = now;
  }
  for (const client of connections) client.close();
  return {
    perConnectionKiB: (after.pssKiB - before.pssKiB) / count,
    rssPerConnectionKiB: (after.rssKiB - before.rssKiB) / count,
    beforeKiB: before.pssKiB,
    afterKiB: after.pssKiB,
  };
}

// --- our server ------------------------------------------------------------------------------

type RestartableImap = RunningImap & { restart(warmUp?: boolean): Promise<RunningImap> };

async function startOurs(dir: string, messages: readonly Buffer[], connections: number, nodeFlags: readonly string[] = []): Promise<RestartableImap> {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freeLoopbackPort();
  // `[imap] warm_up` (src/imap/warm-up.ts) on unless a restart asks otherwise (--first-sync-only --warm-up).
  const imapLines = (warmUp: boolean) => [`max_connections_per_user = ${connections + 10}`, `max_connections_per_ip = ${connections + 10}`, `warm_up = ${warmUp}`];
  const configFile = writeImapBenchConfig(dir, port, imapLines(true));
  const config = loadConfig(configFile);

  // Set-up in this process: the directory's own code creates the official, the store takes the mail.
  const setup = await startServer(config, { logger: pino({ level: 'silent' }) });
  const issued = await seedOfficial(setup, messages.length, (i) => messages[i]!);
  await setup.close();

  const serve = async (warmUp = true): Promise<RestartableImap> => {
    writeImapBenchConfig(dir, port, imapLines(warmUp));
    const child = spawn(process.execPath, [...nodeFlags, path.resolve('bin/cantho-mail.mjs'), 'serve', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await waitForListener(port, 300_000, () => (child.exitCode === null ? null : `cantho-mail serve exited with ${child.exitCode}`));
    } catch (err) {
      await stopChild(child);
      throw err;
    }
    return { name: 'cantho-mail', port, user: issued.address, password: PASSWORD, pid: child.pid!, stop: () => stopChild(child), restart: serve };
  };
  return serve();
}

/**
 * (e) The first full sync after a restart (a new process: nothing in memory, the encoded meta the
 * earlier FETCHes saved in the store) against the warm ones that follow, median of 3. `cpu`: the
 * server's CPU time (all its threads: the JIT compiles and GC helpers too) over each FETCH, which
 * a loaded machine disturbs less than the wall time.
 */
async function measureFirstSyncAfterRestart(server: RunningImap, printWindows = false): Promise<{ first: number; warm: number; firstCpu: number; warmCpu: number }> {
  await startUpSettled(server.pid);
  const client = await ImapConnection.open(server.port);
  await client.login(server.user, server.password);
  await client.command('S', 'SELECT INBOX');
  const timed = async (tag: string) => {
    const cpuBefore = cpuOfProcessTree(server.pid);
    const started = performance.now();
    const monotonicStart = process.hrtime.bigint() / 1000n;
    await client.command(tag, FETCH_COMMAND);
    if (printWindows) console.log(`  window ${tag} ${monotonicStart} ${process.hrtime.bigint() / 1000n}`);
    return { ms: performance.now() - started, cpuMs: (cpuOfProcessTree(server.pid) - cpuBefore) * 1000 };
  };
  const first = await timed('F');
  const warm: Array<{ ms: number; cpuMs: number }> = [];
  for (let i = 0; i < RUNS; i++) warm.push(await timed(`W${i}`));
  client.close();
  const median = percentile(warm.map((w) => w.ms).sort((a, b) => a - b), 0.5);
  const medianCpu = percentile(warm.map((w) => w.cpuMs).sort((a, b) => a - b), 0.5);
  console.log(
    `  ${server.name}: (e) first ${FETCH_COMMAND} after a restart: ${first.ms.toFixed(0)} ms; warm median ${median.toFixed(0)} ms ` +
      `(runs ${warm.map((w) => w.ms.toFixed(0)).join(', ')} ms): first / warm ${(first.ms / median).toFixed(2)}; ` +
      `server CPU ${first.cpuMs.toFixed(0)} ms, warm median ${medianCpu.toFixed(0)} ms: ${(first.cpuMs / medianCpu).toFixed(2)}`,
  );
  return { first: first.ms, warm: median, firstCpu: first.cpuMs, warmCpu: medianCpu };
}

/** A sample of the server's CPU below this share of its interval: start-up's background work (preload, FETCH warm-up) is done. */
const SETTLED_CPU_SHARE = 0.05;
const SETTLE_SAMPLE_MS = 250;
const SETTLE_LIMIT_MS = 60_000;

/**
 * Waits until the server has finished what it does in the background after its listeners are up
 * (src/imap/server.ts: the encodings preloaded, the FETCH path warmed up), as a client that comes
 * back some seconds after a restart finds it; (e) measures the first sync, not a race with start-up.
 */
async function startUpSettled(pid: number): Promise<void> {
  const deadline = performance.now() + SETTLE_LIMIT_MS;
  let before = cpuOfProcessTree(pid);
  while (performance.now() < deadline) {
    await pause(SETTLE_SAMPLE_MS);
    const now = cpuOfProcessTree(pid);
    if ((now - before) * 1000 < SETTLE_SAMPLE_MS * SETTLED_CPU_SHARE) return;
    before = now;
  }
}

/**
 * --first-sync-only: (e) alone, repeated. The store is filled once, one FETCH saves the encodings
 * as (a) would, then `restarts` times: serve started again, (e) measured, serve stopped. The
 * machine is shared, so the figure to compare is the median ratio, not the milliseconds.
 */
async function firstSyncOnly(
  dir: string,
  messages: readonly Buffer[],
  restarts: number,
  warmUps: readonly boolean[],
  running: RunningImap[],
  nodeFlags: readonly string[],
): Promise<void> {
  const ours = await startOurs(path.join(dir, 'ours'), messages, 10, nodeFlags);
  running.push(ours);
  await measureFetch(ours);
  await ours.stop();
  running.splice(running.indexOf(ours), 1);
  const ratios = new Map(warmUps.map((warmUp) => [warmUp, { wall: [] as number[], cpu: [] as number[] }]));
  for (let i = 0; i < restarts; i++) {
    // With both settings, each restart runs both, in turns of order, so that a change of the machine's load falls on both.
    for (const warmUp of i % 2 === 0 ? warmUps : [...warmUps].reverse()) {
      const restarted = await ours.restart(warmUp);
      running.push(restarted);
      if (warmUps.length > 1) console.log(`  [imap] warm_up = ${warmUp}`);
      const figures = await measureFirstSyncAfterRestart(restarted, nodeFlags.length > 0);
      ratios.get(warmUp)!.wall.push(figures.first / figures.warm);
      ratios.get(warmUp)!.cpu.push(figures.firstCpu / figures.warmCpu);
      await restarted.stop();
      running.splice(running.indexOf(restarted), 1);
    }
  }
  const distribution = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `median ${percentile(sorted, 0.5).toFixed(2)} (min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)}; ${values.map((r) => r.toFixed(2)).join(', ')})`;
  };
  for (const [warmUp, { wall, cpu }] of ratios) {
    console.log(`  cantho-mail ([imap] warm_up = ${warmUp}): (e) over ${restarts} restarts, first / warm: wall ${distribution(wall)}; server CPU ${distribution(cpu)}`);
  }
  console.log(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, pause(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// --- Dovecot ---------------------------------------------------------------------------------

async function startReferenceDovecot(messages: readonly Buffer[], connections: number, password = PASSWORD): Promise<RunningImap> {
  const dovecot = await startDovecot({ messages, password, maxConnections: connections });
  return { name: 'dovecot', port: dovecot.port, user: dovecot.user, password, pid: dovecot.pid, stop: () => dovecot.stop() };
}

// --- our server, served ----------------------------------------------------------------------

/**
 * `cantho-mail serve` from its config (bench/served.ts), INBOX filled with `cantho-mail import`
 * and, on PostgreSQL, moved there by `cantho-mail migrate`; `restart()` stops and starts the same
 * serve process on the same data, for (e).
 */
async function startServedOurs(dir: string, messages: readonly Buffer[], connections: number, store: ServedStore): Promise<RunningImap & { restart(): Promise<RunningImap> }> {
  const { server, official } = await startServedCanthoMail({ connections });
  try {
    fs.mkdirSync(dir, { recursive: true });
    const mbox = path.join(dir, 'inbox.mbox');
    const date = new Date('2026-11-28T01:00:00Z');
    fs.writeFileSync(mbox, Buffer.concat(messages.map((raw) => formatMboxMessage(raw, 'daott@cantho.gov.vn', date))));
    // The CLI as the admin runs it, with more time than ReadmeServer.cli's minute: 10,000 messages are analysed one by one.
    const started = performance.now();
    const args = [path.resolve('bin/cantho-mail.mjs'), '--config', server.configFile, 'import', official.address, '--mbox', mbox, '--folder', 'INBOX'];
    const imported = await runProcess(process.execPath, args, { cwd: server.dir, timeoutMs: IMPORT_TIMEOUT_MS });
    if (imported.code !== 0) throw new Error(`cantho-mail import failed: ${imported.stderr}${imported.stdout}`);
    console.log(`  cantho-mail (served): INBOX filled by \`cantho-mail import\` in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (store.backend === 'postgres') {
      const seconds = await moveServedMailToPostgres(server, store, IMPORT_TIMEOUT_MS);
      console.log(`  cantho-mail (served): INBOX moved to PostgreSQL by \`cantho-mail migrate\` in ${seconds.toFixed(1)} s, serve restarted on it`);
    }
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
  const running = (): RunningImap & { restart(): Promise<RunningImap> } => ({
    name: `cantho-mail (served, ${store.backend})`,
    port: server.ports.imap,
    user: official.address,
    password: official.password,
    pid: server.pid()!,
    stop: () => server.stop(),
    restart: async () => {
      await server.restart();
      return running();
    },
  });
  return running();
}

// --- the run ---------------------------------------------------------------------------------

/** `compressed`: also (b) with COMPRESS=DEFLATE (our server; the reference Dovecot runs without imap_zlib). */
async function measure(server: RunningImap, connections: number, compressed: boolean) {
  const fetch = await measureFetch(server);
  console.log(
    `  ${server.name}: (a) ${FETCH_COMMAND}: median ${fetch.ms.toFixed(0)} ms (runs ${fetch.runs.map((ms) => ms.toFixed(0)).join(', ')} ms; ${(fetch.bytes / 1e6).toFixed(1)} MB)`,
  );
  const memory = await measureIdleMemory(server, connections);
  console.log(
    `  ${server.name}: (b) ${connections} IDLE connections: ${memory.perConnectionKiB.toFixed(1)} KiB PSS per connection ` +
      `(RSS ${memory.rssPerConnectionKiB.toFixed(1)} KiB; tree ${(memory.beforeKiB / 1024).toFixed(0)} → ${(memory.afterKiB / 1024).toFixed(0)} MiB)`,
  );
  if (compressed) {
    const deflated = await measureIdleMemory(server, connections, { compress: true });
    console.log(
      `  ${server.name}: (b) ${connections} IDLE connections after COMPRESS DEFLATE: ${deflated.perConnectionKiB.toFixed(1)} KiB PSS per connection ` +
        `(RSS ${deflated.rssPerConnectionKiB.toFixed(1)} KiB; tree ${(deflated.beforeKiB / 1024).toFixed(0)} → ${(deflated.afterKiB / 1024).toFixed(0)} MiB)`,
    );
  }
  return { fetchMs: fetch.ms, perConnectionKiB: memory.perConnectionKiB };
}

interface ServedLoad {
  readonly messages: number;
  readonly clients: number;
  readonly seconds: number;
  readonly appends: number;
}

/** (a), then (c) and (d) — which change INBOX, so after the FETCH — then (b). */
async function measureServed(server: RunningImap, connections: number, load: ServedLoad) {
  const fetch = await measureFetch(server);
  console.log(`  ${server.name}: (a) ${FETCH_COMMAND}: median ${fetch.ms.toFixed(0)} ms (runs ${fetch.runs.map((ms) => ms.toFixed(0)).join(', ')} ms; ${(fetch.bytes / 1e6).toFixed(1)} MB)`);
  const mixed: MixedLoadResult = await mixedLoad(server, { clients: load.clients, seconds: load.seconds, messages: load.messages, senders: SENDERS });
  console.log(
    `  ${server.name}: (c) mixed load, ${load.clients} clients, ${load.seconds} s: ${mixed.commandsPerSecond.toFixed(0)} commands/s ` +
      `(${mixed.commands} commands), latency p50 ${mixed.p50Ms.toFixed(1)} ms, p99 ${mixed.p99Ms.toFixed(1)} ms`,
  );
  const kinds = Object.entries(mixed.byKind).map(([kind, k]) => `${kind} ${k.p50Ms.toFixed(1)}/${k.p99Ms.toFixed(1)}`);
  console.log(`  ${server.name}: (c) p50/p99 ms by command: ${kinds.join(', ')}`);
  const raw: LatencySummary = summarize(await appendLatency(server, load.appends));
  console.log(`  ${server.name}: (d) APPEND {n} one at a time, raw client without TCP_NODELAY: ${formatLatency(raw)}`);
  const imaplib: LatencySummary = summarize(await imaplibAppendLatency(server, load.appends));
  console.log(`  ${server.name}: (d) APPEND one at a time, Python imaplib: ${formatLatency(imaplib)}`);
  const memory = await measureIdleMemory(server, connections);
  console.log(
    `  ${server.name}: (b) ${connections} IDLE connections: ${memory.perConnectionKiB.toFixed(1)} KiB PSS per connection ` +
      `(RSS ${memory.rssPerConnectionKiB.toFixed(1)} KiB; tree ${(memory.beforeKiB / 1024).toFixed(0)} → ${(memory.afterKiB / 1024).toFixed(0)} MiB)`,
  );
  return { fetchMs: fetch.ms, perConnectionKiB: memory.perConnectionKiB, mixed, rawAppendMs: raw.medianMs, imaplibAppendMs: imaplib.medianMs };
}

async function runServed(dir: string, messages: readonly Buffer[], connections: number, load: ServedLoad, compare: boolean, backends: readonly ServedBackend[], running: RunningImap[]): Promise<void> {
  const figures: Array<Awaited<ReturnType<typeof measureServed>>> = [];
  for (const backend of backends) {
    const store = await startServedStore(backend);
    try {
      const ours = await startServedOurs(path.join(dir, backend), messages, connections, store);
      running.push(ours);
      figures.push(await measureServed(ours, connections, load));
      await measureFirstSyncAfterRestart(await ours.restart());
      await ours.stop();
      running.splice(running.indexOf(ours), 1);
    } finally {
      await store.stop();
    }
  }
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const ratios = (ours: (typeof figures)[number], theirs: (typeof figures)[number]) =>
    `(a) time ${ratio(ours.fetchMs, theirs.fetchMs)}, (b) memory per connection ${ratio(ours.perConnectionKiB, theirs.perConnectionKiB)}, ` +
    `(c) commands/s ${ratio(ours.mixed.commandsPerSecond, theirs.mixed.commandsPerSecond)}, p99 ${ratio(ours.mixed.p99Ms, theirs.mixed.p99Ms)}, ` +
    `(d) ms per APPEND raw ${ratio(ours.rawAppendMs, theirs.rawAppendMs)}, imaplib ${ratio(ours.imaplibAppendMs, theirs.imaplibAppendMs)}`;
  if (figures.length === 2) console.log(`  ratio postgres / sqlite: ${ratios(figures[1]!, figures[0]!)}`);
  if (compare) {
    const dovecot = await startReferenceDovecot(messages, connections, SERVED_PASSWORD);
    running.push(dovecot);
    const theirs = await measureServed(dovecot, connections, load);
    await dovecot.stop();
    running.splice(running.indexOf(dovecot), 1);
    for (const [index, ours] of figures.entries()) console.log(`  ratio cantho-mail (${backends[index]}) / dovecot: ${ratios(ours, theirs)}`);
  }
  console.log('  second line — store filled in this process, then `serve` (the bench without --served):');
  const inProcess = await startOurs(path.join(dir, 'in-process'), messages, connections);
  running.push(inProcess);
  const fetch = await measureFetch(inProcess);
  console.log(`  cantho-mail (in-process fill): (a) ${FETCH_COMMAND}: median ${fetch.ms.toFixed(0)} ms (runs ${fetch.runs.map((ms) => ms.toFixed(0)).join(', ')} ms)`);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '1000' },
      compare: { type: 'boolean', default: false },
      served: { type: 'boolean', default: false },
      clients: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '30' },
      appends: { type: 'string', default: '100' },
      'first-sync-only': { type: 'boolean', default: false },
      restarts: { type: 'string', default: '5' },
      'warm-up': { type: 'string', default: 'on' },
      'serve-node-flags': { type: 'string', default: '' },
      backend: { type: 'string', default: 'sqlite' },
    },
  });
  const count = Number(values.messages);
  const connections = Number(values.connections);
  const messages = Array.from({ length: count }, (_, n) => benchMessage(n));
  const totalMB = messages.reduce((sum, m) => sum + m.length, 0) / 1e6;
  console.log(`imap: ${count} messages (${totalMB.toFixed(1)} MB) in INBOX, ${connections} IDLE connections`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-bench-imap-'));
  const running: RunningImap[] = [];
  try {
    if (values['first-sync-only']) {
      const warmUps = { on: [true], off: [false], both: [false, true] }[values['warm-up']];
      if (!warmUps) throw new Error('--warm-up is on, off or both');
      const nodeFlags = values['serve-node-flags'].split(' ').filter((flag) => flag !== '');
      await firstSyncOnly(dir, messages, Number(values.restarts), warmUps, running, nodeFlags);
      return;
    }
    if (values.served) {
      const load = { messages: count, clients: Number(values.clients), seconds: Number(values.seconds), appends: Number(values.appends) };
      await runServed(dir, messages, connections, load, values.compare ?? false, servedBackends(values.backend), running);
      return;
    }
    const ours = await startOurs(path.join(dir, 'ours'), messages, connections);
    running.push(ours);
    const ourFigures = await measure(ours, connections, true);
    await ours.stop();
    const restarted = await ours.restart();
    running.push(restarted);
    await measureFirstSyncAfterRestart(restarted);
    await restarted.stop();
    if (!values.compare) return;

    const dovecot = await startReferenceDovecot(messages, connections);
    running.push(dovecot);
    const theirs = await measure(dovecot, connections, false);
    await dovecot.stop();
    console.log(
      `  ratio cantho-mail / dovecot: (a) time ${(ourFigures.fetchMs / theirs.fetchMs).toFixed(2)}, (b) memory per connection ${(ourFigures.perConnectionKiB / theirs.perConnectionKiB).toFixed(2)}`,
    );
  } finally {
    for (const server of running) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
