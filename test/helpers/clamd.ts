import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './ports.js';

const run = promisify(execFile);

/**
 * The EICAR test string (68 bytes), assembled at run time so that this repository itself is never
 * flagged by a scanner.
 */
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD', '-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

export interface RunningClamd {
  /** Unix socket clamd listens on. */
  readonly socket: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  readonly configFile: string;
  /** The clamd process, for its CPU time in benches. */
  readonly pid: number;
  /** SIGTERM and wait for exit; removes the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a real clamd (Debian clamav-daemon) in the foreground with a database of one signature of
 * ours: Test.EICAR, the EICAR string anywhere in the scanned data (reported as
 * "Test.EICAR.UNOFFICIAL FOUND"). No signature download is possible here, and clamd refuses to
 * start with an empty database folder. Waits until `clamdscan --ping` succeeds.
 */
export interface ClamdOptions {
  readonly alertExceedsMax?: boolean;
  readonly maxRecursion?: number;
  /**
   * clamd's TemporaryDirectory, where it writes every scanned stream (default: $TMPDIR, else
   * /tmp); benches put it on tmpfs as Debian 13's /tmp is (bench/smtp.ts).
   */
  readonly temporaryDirectory?: string;
  /** clamd's scanning threads (default 4, enough for tests; Debian's shipped clamd.conf has 12). */
  readonly maxThreads?: number;
}

export async function startClamd(options: ClamdOptions = {}): Promise<RunningClamd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-clamd-'));
  const dbDir = path.join(dir, 'db');
  mkdirSync(dbDir);
  writeFileSync(path.join(dbDir, 'test.ndb'), `Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  const socket = path.join(dir, 'clamd.sock');
  const port = await freeLoopbackPort();
  const configFile = path.join(dir, 'clamd.conf');
  writeFileSync(
    configFile,
    [
      'Foreground yes',
      `DatabaseDirectory ${dbDir}`,
      `LocalSocket ${socket}`,
      'LocalSocketMode 666',
      'FixStaleSocket yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'StreamMaxLength 25M',
      'SelfCheck 0',
      'Bytecode no',
      'ScanArchive yes',
      'ScanMail yes',
      // README "clamd settings": the limits a production clamd is expected to run with. The thread
      // count is the caller's (Debian's default is 12); it must stay above `[clamav] max_concurrent_scans` (8).
      `MaxThreads ${options.maxThreads ?? 10}`,
      'ReadTimeout 30',
      'MaxScanTime 60000',
      'MaxScanSize 100M',
      'MaxFileSize 25M',
      `MaxRecursion ${options.maxRecursion ?? 17}`,
      'MaxFiles 2000',
      'MaxPartitions 50',
      'MaxEmbeddedPE 10M',
      'MaxHTMLNormalize 10M',
      'MaxHTMLNoTags 2M',
      'MaxScriptNormalize 5M',
      'MaxZipTypeRcg 1M',
      'MaxIconsPE 100',
      'PCREMatchLimit 100000',
      'PCRERecMatchLimit 2000',
      'PCREMaxFileSize 25M',
      `AlertExceedsMax ${options.alertExceedsMax ? 'yes' : 'no'}`,
      'LogFile ' + path.join(dir, 'clamd.log'),
      ...(options.temporaryDirectory ? [`TemporaryDirectory ${options.temporaryDirectory}`] : []),
      '',
    ].join('\n'),
  );

  const child = spawn('clamd', ['--config-file', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForPing(configFile, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { socket, port, configFile, pid: child.pid!, stop };
}

async function waitForPing(configFile: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`clamd exited during start-up: ${stderr()}`);
    try {
      await run('clamdscan', [`--config-file=${configFile}`, '--ping', '1']);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`clamd did not answer PING within 60 s: ${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

