import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { sendThroughMx } from '../helpers/mx.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `serve` with `[store] backend = "postgres"` (docs/postgres.en.md): mail lands in PostgreSQL and IMAP reads it back. */
const cluster = clusterForThisFile();
let url: string;
let t: TestServer;
beforeAll(async () => {
  url = await cluster().createDatabase();
  t = await startTestServer({ config: { store: { backend: 'postgres', postgres_url: url, postgres_pool: 4 } } });
});
afterAll(async () => {
  await t?.close();
});

describe('serve on PostgreSQL', () => {
  it('stores a message nodemailer delivers to the MX in PostgreSQL, and imapflow reads it from INBOX', async () => {
    const user = await t.addUser('Nguyễn Văn An');
    const reply = await sendThroughMx(t.ports.mx, {
      from: 'Sở Nội vụ <sonoivu@example.org>',
      to: user.address,
      subject: 'Kế hoạch đào tạo',
      text: 'Đề nghị phê duyệt.',
    });
    expect(reply).toMatch(/^250 /);

    // The row is in PostgreSQL (acknowledged after COMMIT), not in the SQLite file.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ account: string; uid: string }>(
        "SELECT b.account, m.uid FROM messages m JOIN mailboxes b ON b.id = m.mailbox WHERE b.name = 'INBOX'",
      );
      expect(rows).toEqual([{ account: user.address, uid: '1' }]);
    } finally {
      await client.end();
    }

    const flow = new ImapFlow({ host: '127.0.0.1', port: t.ports.imap, secure: false, tls: { rejectUnauthorized: false }, auth: { user: user.address, pass: user.password }, logger: false });
    await flow.connect();
    try {
      const box = await flow.mailboxOpen('INBOX');
      expect(box.exists).toBe(1);
      const fetched = await flow.fetchOne('1', { envelope: true, source: true, uid: true });
      expect(fetched).toMatchObject({ uid: 1, envelope: { subject: 'Kế hoạch đào tạo' } });
      expect(fetched && fetched.source?.toString('utf8')).toContain('Content-Type: text/plain');
      expect(await flow.search({ body: 'de nghi phe duyet' }, { uid: true })).toEqual([1]);
    } finally {
      await flow.logout();
    }
  });

  it('the CLI works on the same PostgreSQL store: export reads it, import writes it once, backup create says the mail is not in it', async () => {
    const user = await t.addUser('Trần Thị Bình');
    expect(await sendThroughMx(t.ports.mx, { from: 'a@example.org', to: user.address, subject: 'Lịch họp', text: 'Thứ hai.' })).toMatch(/^250 /);
    const configFile = path.join(t.dataDir, 'cli.toml');
    writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(t.dataDir)}\n[store]\nbackend = "postgres"\npostgres_url = ${JSON.stringify(url)}\npostgres_pool = 2\n`);
    const mbox = path.join(t.dataDir, 'out.mbox');
    const exported = await runCliInProcess(['--config', configFile, 'export', user.address, '--mbox', mbox]);
    expect(exported.stderr).toBe('');
    expect(readFileSync(mbox, 'utf8')).toContain('Subject: =?UTF-8?');
    // Into another official's Lưu trữ folder; its ledger is in PostgreSQL, so a second run adds nothing.
    const other = await t.addUser('Lý Văn Cường');
    const importArgs = ['--config', configFile, 'import', other.address, '--mbox', mbox, '--folder', 'Lưu trữ', '--json'];
    const imported = await runCliInProcess(importArgs);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, skipped: 0 });
    const again = await runCliInProcess(importArgs);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, skipped: 1 });
    const flow = new ImapFlow({ host: '127.0.0.1', port: t.ports.imap, secure: false, tls: { rejectUnauthorized: false }, auth: { user: other.address, pass: other.password }, logger: false });
    await flow.connect();
    try {
      expect((await flow.mailboxOpen('Lưu trữ')).exists).toBe(1);
      const fetched = await flow.fetchOne('1', { envelope: true });
      expect(fetched && fetched.envelope?.subject).toBe('Lịch họp');
    } finally {
      await flow.logout();
    }
    const backup = await runCliInProcess(['--config', configFile, 'backup', 'create', path.join(t.dataDir, 'backups')]);
    expect(backup.stdout).toMatch(/the mail and Sieve scripts are in PostgreSQL .* not in this backup/);
  });
});
