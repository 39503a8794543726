import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { runCommandLine } from '../../src/cli/program.js';
import { openDatabase } from '../../src/store/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/cantho-mail.mjs');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp data directory with an (empty) database, and a config file pointing at it. */
export interface CliFixture {
  readonly dir: string;
  readonly configFile: string;
  readonly database: string;
  /**
   * Runs `cantho-mail --config <file> …args` with `input` on stdin, in this process through the
   * CLI's entry function (runCommandLine): the same parsing, output and exit code as the command,
   * without a process start per call. `spawn` runs it as its own process.
   */
  run(args: readonly string[], input?: string): Promise<CliResult>;
  /** `run` in its own process: `node bin/cantho-mail.mjs --config <file> …args`. */
  spawn(args: readonly string[], input?: string): Promise<CliResult>;
  /** `run` that asserts exit code 0 and an empty stderr; returns stdout. */
  ok(args: readonly string[], input?: string): Promise<string>;
  /** `ok` with `--json`, the output parsed. */
  json(args: readonly string[], input?: string): Promise<any>;
  /** Every row of every table, to show that a refused command changed nothing. */
  dump(): string;
  remove(): void;
}

export function createCliFixture(extraToml = ''): CliFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  const configFile = path.join(dir, 'cantho-mail.toml');
  writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(path.join(dir, 'data'))}\n${extraToml}`);
  const database = path.join(dir, 'data', 'mail.db');
  // Only serve and init create a database (DESIGN.md "CLI"); the directory commands expect one.
  openDatabase(database).close();
  const run = (args: readonly string[], input?: string) => runCliInProcess(['--config', configFile, ...args], input);
  const ok = async (args: readonly string[], input?: string): Promise<string> => {
    const result = await run(args, input);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };
  return {
    dir,
    configFile,
    database,
    run,
    spawn: (args, input) => runCli(['--config', configFile, ...args], input),
    ok,
    json: async (args, input) => JSON.parse(await ok([...args, '--json'], input)),
    dump: () => dumpDatabase(database),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the CLI as an admin would, in its own process; stdin is always closed (never a TTY). */
export function runCli(args: readonly string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CANTHO_MAIL_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs the CLI's entry function in this process, as runCli runs the command: stdin closed after `input`, $CANTHO_MAIL_CONFIG empty. */
export async function runCliInProcess(args: readonly string[], input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(args, {
    stdin: Readable.from(input === '' ? [] : [Buffer.from(input)]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { ...process.env, CANTHO_MAIL_CONFIG: '' },
    exitCode: 0,
  });
  return { code, stdout, stderr };
}

export function dumpDatabase(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all();
    return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).raw().all()]));
  } finally {
    db.close();
  }
}
