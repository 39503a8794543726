import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli-helpers.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * What the CLI changes in the PostgreSQL store reaches the sessions on the nodes through the
 * change bus, as a node's own change does (docs/postgres.en.md "Change events between nodes").
 * The CLI runs as its own process on a copy of the node's SQLite file (as on another host), so the
 * node's watch of that file cannot be what tells the session: only the CLI's pg_notify can.
 */
const cluster = clusterForThisFile();
let node: TestServer;
let user: TestUser;
let cliDir: string;
let cliConfig: string;

beforeAll(async () => {
  const url = await cluster().createDatabase();
  node = await startTestServer({ config: { store: { backend: 'postgres', postgres_url: url, postgres_pool: 4 } } });
  user = await node.addUser('Võ Thị Lan');
  cliDir = mkdtempSync(path.join(os.tmpdir(), 'cm-cli-'));
  const source = new Database(node.config.paths.database, { readonly: true });
  try {
    await source.backup(path.join(cliDir, 'mail.db'));
  } finally {
    source.close();
  }
  cliConfig = path.join(cliDir, 'cantho-mail.toml');
  writeFileSync(cliConfig, `[server]\ndata_dir = ${JSON.stringify(cliDir)}\n[store]\nbackend = "postgres"\npostgres_url = ${JSON.stringify(url)}\npostgres_pool = 2\n`);
}, 240_000);
afterAll(async () => {
  await node?.close();
  if (cliDir) rmSync(cliDir, { recursive: true, force: true });
});

describe('CLI changes announced to the nodes', () => {
  it('an IMAP client in IDLE on a node hears EXISTS for the warning `violation add` delivers into its INBOX', async () => {
    const flow = new ImapFlow({ host: '127.0.0.1', port: node.ports.imap, secure: false, tls: { rejectUnauthorized: false }, auth: { user: user.address, pass: user.password }, logger: false });
    await flow.connect();
    try {
      const box = await flow.mailboxOpen('INBOX');
      const before = box.exists;
      const woken = new Promise<number>((resolve) => flow.on('exists', (update: { count: number }) => resolve(update.count)));
      const idling = flow.idle();
      const cli = await runCli(['--config', cliConfig, 'violation', 'add', user.address, '--reason', 'Gửi thư rác hàng loạt']);
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toMatch(/notices sent: 1 warning\(s\)/);
      expect(await woken).toBe(before + 1);
      const fetched = await flow.fetchOne(String(before + 1), { envelope: true });
      expect(fetched && fetched.envelope?.from?.[0]?.address).toBe('postmaster@cantho.gov.vn');
      await idling;
    } finally {
      await flow.logout();
    }
  }, 120_000);
});
