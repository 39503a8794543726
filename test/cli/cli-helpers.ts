import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
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
  /** Runs `node bin/cantho-mail.mjs --config <file> …args`, with `input` on stdin. */
  run(args: readonly string[], input?: string): Promise<CliResult>;
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
  const run = (args: readonly string[], input?: string) => runCli(['--config', configFile, ...args], input);
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
