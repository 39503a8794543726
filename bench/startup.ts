/**
 * `npm run bench -- startup [--runs N] [--serve-runs N]`: wall time of a cold `cantho-mail` start
 * as an admin runs it (node bin/cantho-mail.mjs, its own process): `--help`, `person list` on an
 * empty installation, and `serve` until /healthz answers 200 (its analysis workers started:
 * serve waits for them before it listens). Prints min / median / max per command; the transpile
 * cache is warmed by one untimed run first. Note the load (`uptime`) beside the figures: the
 * machine's other work shows in them.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/store/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/cantho-mail.mjs');

function numberAfter(args: readonly string[], flag: string, fallback: number): number {
  const at = args.indexOf(flag);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

interface Timing {
  readonly wallMs: number;
  /** User + system CPU time of the process (from /usr/bin/time): what the load changes least. */
  readonly cpuMs: number;
}

/** Runs the CLI to its exit under /usr/bin/time; its wall and CPU time. */
function timeCommand(args: readonly string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIMING %e %U %S', process.execPath, BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CANTHO_MAIL_CONFIG: '' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const timing = /^TIMING (\S+) (\S+) (\S+)$/m.exec(stderr);
      if (code !== 0 || !timing) return reject(new Error(`cantho-mail ${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ wallMs: Number(timing[1]) * 1000, cpuMs: (Number(timing[2]) + Number(timing[3])) * 1000 });
    });
  });
}

/** Starts `serve`, waits for /healthz 200 (the web port read from the start-up log line), stops it; the wall time to the 200 in ms. */
function timeServe(configFile: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, '--config', configFile, 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before /healthz answered`)));
    child.stdout.setEncoding('utf8').on('data', async (chunk: string) => {
      log += chunk;
      const line = log.split('\n').find((l) => l.includes('"cantho-mail started"'));
      if (!line || log === '') return;
      log = '';
      const web = (JSON.parse(line) as { listeners: string[] }).listeners.find((l) => l.startsWith('web='))!;
      const response = await fetch(`http://${web.slice('web='.length)}/healthz`);
      const wallMs = performance.now() - started;
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      // serve's CPU time is not read here (it runs on after the answer): NaN marks it unknown.
      child.once('exit', () => (response.status === 200 ? resolve({ wallMs, cpuMs: Number.NaN }) : reject(new Error(`/healthz answered ${response.status}`))));
    });
  });
}

async function measure(label: string, runs: number, once: () => Promise<Timing>): Promise<void> {
  await once();
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) timings.push(await once());
  const summary = (values: number[]) => {
    if (values.some((value) => Number.isNaN(value))) return 'n/a';
    values.sort((a, b) => a - b);
    return `min ${Math.round(values[0]!)} / median ${Math.round(values[Math.floor(values.length / 2)]!)} / max ${Math.round(values.at(-1)!)} ms`;
  };
  console.log(`${label.padEnd(34)} wall ${summary(timings.map((t) => t.wallMs))}  cpu ${summary(timings.map((t) => t.cpuMs))}  (${runs} runs, load ${loadavg()[0]!.toFixed(1)})`);
}

export async function run(args: string[]): Promise<void> {
  const runs = numberAfter(args, '--runs', 10);
  const serveRuns = numberAfter(args, '--serve-runs', 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'cm-bench-startup-'));
  try {
    const configFile = path.join(dir, 'cantho-mail.toml');
    const listeners = ['[smtp]', 'mx = "127.0.0.1:0"', 'submission = "127.0.0.1:0"', 'submissions = "127.0.0.1:0"', '[imap]', 'listen = "127.0.0.1:0"', 'tls_listen = "127.0.0.1:0"', '[http]', 'listen = "127.0.0.1:0"', '[sieve]', 'managesieve = "127.0.0.1:0"', '[clamav]', 'on_unavailable = "accept"'];
    writeFileSync(configFile, [`[server]`, `data_dir = ${JSON.stringify(path.join(dir, 'data'))}`, ...listeners, ''].join('\n'));
    copyFileSync(path.join(ROOT, 'config/spam-rules.toml'), path.join(dir, 'spam-rules.toml'));
    cpSync(path.join(ROOT, 'config/templates'), path.join(dir, 'templates'), { recursive: true });
    openDatabase(path.join(dir, 'data', 'mail.db')).close();
    await measure('cantho-mail --help', runs, () => timeCommand(['--help']));
    await measure('cantho-mail person list', runs, () => timeCommand(['--config', configFile, 'person', 'list']));
    await measure('cantho-mail serve → /healthz 200', serveRuns, () => timeServe(configFile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
