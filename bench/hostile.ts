/**
 * `npm run bench -- hostile [--only NAME,NAME] [--limit SECONDS] [--settle SECONDS] [--fresh] [--help]`
 *
 * The hostile bench: each attack of bench/hostile/attacks.ts against `cantho-mail serve` started as
 * the README does (bench/hostile/target.ts), one after the other on the same server. For each it
 * prints what the server answered, its resident memory (idle before, peak during, and once settled
 * after — see settledRss), and what bystanders noticed during the attack: the NOOP round trip of a
 * logged-in IMAP client and the latency of `GET /healthz` (p50 and max). An attack is cut at
 * `--limit` seconds (default 30; a few need longer and say so). A server that died or no longer
 * answers /healthz is reported as such and replaced by a fresh one for the next attack. Before
 * each attack the bench waits (bounded) until /healthz answers quickly again, so that the idle
 * figure is not the previous attack's aftermath.
 * Nothing here asserts timings: it measures whatever the code does.
 */
import { parseArgs } from 'node:util';
import { ATTACKS, type Attack } from './hostile/attacks.js';
import { Probes, rssMiB, settledRss, type Latencies, type ProbeReport } from './hostile/probes.js';
import { startTarget, type Target } from './hostile/target.js';

const USAGE = `usage: npm run bench -- hostile [--only NAME,NAME] [--limit SECONDS] [--settle SECONDS] [--fresh]
  --only     run only these attacks (comma-separated), in the order below
  --limit    cut each attack after this many seconds (default 30)
  --settle   wait at most this many seconds for memory to settle after each attack (default 20)
  --fresh    a new server for every attack (slower; no attack sees another's aftermath)
attacks:
${ATTACKS.map((a) => `  ${a.name.padEnd(20)} ${a.description}`).join('\n')}`;

interface Row {
  readonly attack: Attack;
  readonly outcome: string;
  readonly idleMiB: number | null;
  readonly probes: ProbeReport | null;
  readonly afterMiB: number | null;
  /** 'died': the process exited; 'unresponsive': no /healthz answer after settling. Both are replaced. */
  readonly server: 'ok' | 'died' | 'unresponsive';
  /** The server's error log lines during the attack. */
  readonly faults: readonly string[];
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      only: { type: 'string' },
      limit: { type: 'string', default: '30' },
      settle: { type: 'string', default: '20' },
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const wanted = values.only?.split(',').map((name) => name.trim());
  const unknown = wanted?.filter((name) => !ATTACKS.some((a) => a.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown attack ${unknown.join(', ')}\n${USAGE}`);
  const selected = ATTACKS.filter((a) => !wanted || wanted.includes(a.name));
  const limitMs = Number(values.limit) * 1000;
  const settleMs = Number(values.settle) * 1000;

  const rows: Row[] = [];
  let target: Target | null = null;
  try {
    for (const attack of selected) {
      target ??= await startTarget();
      const row = await runAttack(target, attack, attack.limitMs ?? limitMs, settleMs);
      rows.push(row);
      printRow(row);
      if (row.server !== 'ok' || values.fresh) {
        await target.server.stop().catch(() => undefined);
        target = null;
      }
    }
  } finally {
    await target?.server.stop().catch(() => undefined);
  }
  printSummary(rows);
}

async function runAttack(target: Target, attack: Attack, limitMs: number, settleMs: number): Promise<Row> {
  console.log(`-- ${attack.name}: ${attack.description}`);
  const pid = () => target.server.pid();
  try {
    await attack.prepare?.(target);
  } catch (err) {
    return { attack, outcome: `preparation failed: ${(err as Error).message.split('\n')[0]}`, idleMiB: rssMiB(pid()), probes: null, afterMiB: null, server: 'unresponsive', faults: [] };
  }
  const quiet = await waitUntilQuiet(target.server.ports.http, QUIET_WAIT_MS);
  if (!quiet) console.log(`   (the server was still busy from the attack before after ${QUIET_WAIT_MS / 1000} s; measuring anyway)`);
  const idleMiB = rssMiB(pid());
  const logBefore = target.server.log().length;
  const probes = new Probes({ imapPort: target.server.ports.imap, httpPort: target.server.ports.http, user: target.bystander.address, password: target.bystander.password, pid });
  const deadline = Date.now() + limitMs;
  let outcome: string;
  try {
    // The attack stops itself by the deadline; the grace covers one that does not.
    outcome = await Promise.race([attack.run(target, deadline), sleep(limitMs + 15_000).then(() => 'attack did not stop by its deadline')]);
  } catch (err) {
    outcome = `attack failed: ${(err as Error).message.split('\n')[0]}`;
  }
  const report = probes.stop();
  const settled = await settledRss(pid, settleMs);
  const server = pid() === null ? 'died' : (await answersHealthz(target.server.ports.http)) ? 'ok' : 'unresponsive';
  return { attack, outcome, idleMiB, probes: report, afterMiB: settled.rssMiB, server, faults: serverFaults(target.server.log().slice(logBefore)) };
}

/** pino's level of an error (50) and above. */
const PINO_ERROR = 50;

/** The server's own error lines during an attack: what was behind a 451 or a NO [SERVERBUG]. */
function serverFaults(log: string): string[] {
  return log.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } | string };
      if ((entry.level ?? 0) < PINO_ERROR) return [];
      const err = typeof entry.err === 'string' ? entry.err : entry.err?.message;
      return [`${entry.msg ?? ''}${err ? `: ${err}` : ''}`.slice(0, 200)];
    } catch {
      return [];
    }
  });
}

/** Up to this long before an attack, wait for the server to be quiet (the previous attack digested). */
const QUIET_WAIT_MS = 30_000;

/** Three /healthz answers in a row within 50 ms each: nothing is keeping the event loop busy. */
async function waitUntilQuiet(port: number, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  let fast = 0;
  while (Date.now() < deadline) {
    const started = performance.now();
    fast = (await answersHealthz(port)) && performance.now() - started < 50 ? fast + 1 : 0;
    if (fast === 3) return true;
    await sleep(200);
  }
  return false;
}

async function answersHealthz(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) })).status === 200;
  } catch {
    return false;
  }
}

function printRow(row: Row): void {
  console.log(`   outcome: ${row.outcome}`);
  for (const fault of new Set(row.faults)) console.log(`   server error: ${fault}`);
  console.log(`   RSS MiB: idle ${mib(row.idleMiB)}, peak ${mib(row.probes?.peakRssMiB ?? null)}, settled ${mib(row.afterMiB)}`);
  if (row.probes) console.log(`   bystander IMAP NOOP ${latency(row.probes.noop)}; GET /healthz ${latency(row.probes.healthz)}`);
  if (row.server !== 'ok') console.log(`   server ${row.server === 'died' ? 'died' : 'stopped answering /healthz'}: a fresh one serves the next attack`);
}

function printSummary(rows: readonly Row[]): void {
  console.log('\nattack               RSS MiB idle/peak/settled   NOOP ms p50/max     healthz ms p50/max  server');
  for (const row of rows) {
    const rss = `${mib(row.idleMiB)}/${mib(row.probes?.peakRssMiB ?? null)}/${mib(row.afterMiB)}`;
    const noop = row.probes ? `${ms(row.probes.noop.p50)}/${ms(row.probes.noop.max)}` : '-';
    const health = row.probes ? `${ms(row.probes.healthz.p50)}/${ms(row.probes.healthz.max)}` : '-';
    console.log(`${row.attack.name.padEnd(20)} ${rss.padEnd(27)} ${noop.padEnd(19)} ${health.padEnd(19)} ${row.server}`);
  }
}

function latency(l: Latencies): string {
  return `p50 ${ms(l.p50)} ms, max ${ms(l.max)} ms (${l.count} answered${l.failed > 0 ? `, ${l.failed} lost` : ''})`;
}

function mib(value: number | null): string {
  return value === null ? 'gone' : value.toFixed(0);
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : value.toFixed(0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
