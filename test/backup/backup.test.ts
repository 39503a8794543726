import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, truncateSync, watch, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow, type WatchedClient } from '../interop/imapflow-client.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { deliver, deliverLoad, folderView, waitForView, type Acknowledged, type MessageView } from './support.js';

/**
 * Online backups against `cantho-mail serve` started from its config file (docs/backup.en.md):
 * a backup taken while 10 clients deliver and an IMAP client flags and expunges restores every
 * message acknowledged before it started, with the flags and UIDs it had; restore-message brings
 * back an expunged message once, audited; interrupted and damaged backups are refused.
 */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/cantho-mail.mjs');
let server: ReadmeServer;
let an: Official;
let binh: Official;

beforeAll(async () => {
  server = await startReadmeServer({ passwordChange: 'config' });
  an = await server.addOfficial('Nguyễn Văn An');
  binh = await server.addOfficial('Trần Thị Bình');
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

async function cliJson(args: readonly string[]): Promise<any> {
  const result = await server.cli(['--json', ...args]);
  if (result.code !== 0) throw new Error(`cantho-mail ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('backup create during load', () => {
  it('restores every message acknowledged before the snapshot, with flags and UIDs as they were', async () => {
    // An's INBOX: seeded, flagged and partly expunged by IMAP, then left alone: its exact state
    // at the snapshot is known. Bình's INBOX is flagged and expunged all through the backup.
    const seeded = await deliverLoad(server.ports.mx, [an.address, binh.address], { senders: 10, total: 60, prefix: 'seed' });
    expect(seeded).toHaveLength(60);
    const anImap = await connectImapflow(server.ports.imap, an);
    const binhImap = await connectImapflow(server.ports.imap, binh);
    let anAtSnapshot: MessageView[];
    const expungedByBinh = new Map<string, number>();
    try {
      await anImap.client.mailboxOpen('INBOX');
      await anImap.client.messageFlagsAdd('1:10', ['\\Flagged', '$Label1'], { uid: false });
      await anImap.client.messageFlagsAdd('11:15', ['\\Deleted'], { uid: false });
      await anImap.client.messageFlagsAdd('16:20', ['\\Seen'], { uid: false });
      await anImap.client.mailboxClose();
      anAtSnapshot = await folderView(anImap.client);
      expect(anAtSnapshot.length).toBeGreaterThan(20);

      let loadDone = false;
      const load = deliverLoad(server.ports.mx, [an.address, binh.address], { senders: 10, until: () => loadDone, prefix: 'load' });
      const churn = (async () => {
        await binhImap.client.mailboxOpen('INBOX');
        while (!loadDone) {
          const view = await folderView(binhImap.client);
          await binhImap.client.mailboxOpen('INBOX');
          const victim = view.at(-1);
          if (victim === undefined) continue;
          await binhImap.client.messageFlagsAdd(String(view[0]!.uid), ['\\Answered'], { uid: true });
          await binhImap.client.messageFlagsAdd(String(victim.uid), ['\\Deleted'], { uid: true });
          await binhImap.client.messageDelete(String(victim.uid), { uid: true });
          expungedByBinh.set(victim.messageId, Date.now());
        }
      })();
      // Let the load run, then take the backup in the middle of it.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const snapshotStarted = Date.now();
      const backupDir = path.join(server.dir, 'backup-load');
      const created = await cliJson(['backup', 'create', backupDir]);
      loadDone = true;
      const loaded: Acknowledged[] = await load;
      await churn;
      console.log(`backup during load: ${created.durationMs} ms, ${created.bytes} bytes, ${created.counts.messages} message rows; ${loaded.length} messages delivered during the run`);

      const verified = await cliJson(['backup', 'verify', backupDir]);
      expect(verified.ok).toBe(true);

      const restoredDir = path.join(server.dir, 'restored-load');
      const restore = await cliJson(['backup', 'restore', backupDir, '--data-dir', restoredDir]);
      expect(restore.migrated).toBe(false);

      const copy = await startReadmeServer({ passwordChange: 'config', dataDir: restoredDir });
      try {
        const anCopy = await connectImapflow(copy.ports.imap, an);
        const binhCopy = await connectImapflow(copy.ports.imap, binh);
        try {
          const anRestored = await folderView(anCopy.client);
          const binhRestored = await folderView(binhCopy.client);
          // An's messages as they were at the snapshot: same UIDs, same flags.
          const byUid = new Map(anRestored.map((m) => [m.uid, m]));
          for (const before of anAtSnapshot) expect(byUid.get(before.uid), `An's UID ${before.uid}`).toEqual(before);
          // Every message acknowledged before the snapshot started is there, unless its official
          // expunged it: An before the snapshot (not in anAtSnapshot), Bình at any time up to the
          // end of the backup (an expunge during the backup may or may not be in the snapshot).
          const present = new Set([...anRestored, ...binhRestored].map((m) => m.messageId));
          const anKept = new Set(anAtSnapshot.map((m) => m.messageId));
          const expectedPresent = [...seeded, ...loaded].filter(
            (m) => m.at < snapshotStarted && !expungedByBinh.has(m.messageId) && !(m.to === an.address && seeded.includes(m) && !anKept.has(m.messageId)),
          );
          // What Bình expunged before the snapshot started is not brought back.
          const expungedBefore = [...expungedByBinh].filter(([, at]) => at < snapshotStarted).map(([id]) => id);
          expect(expungedBefore.filter((id) => present.has(id))).toEqual([]);
          const missing = expectedPresent.filter((m) => !present.has(m.messageId));
          expect(missing).toEqual([]);
          // Nothing twice, and An's expunged seeds stay expunged.
          expect(new Set(anRestored.map((m) => m.messageId)).size).toBe(anRestored.length);
          console.log(`restored copy: An ${anRestored.length}, Bình ${binhRestored.length} messages; ${expectedPresent.length} acknowledged before the snapshot, all present`);
        } finally {
          await anCopy.client.logout();
          await binhCopy.client.logout();
        }
      } finally {
        await copy.stop();
      }
    } finally {
      await anImap.client.logout().catch(() => undefined);
      await binhImap.client.logout().catch(() => undefined);
    }
  }, 600_000);
});

describe('backup restore-message', () => {
  it('brings an expunged message back into its folder once, with its flags, and audits the admin and document', async () => {
    const kept = await deliver(server.ports.mx, an.address, 'can-giu-lai@example.org');
    const imap: WatchedClient = await connectImapflow(server.ports.imap, an);
    try {
      await imap.client.mailboxOpen('INBOX');
      const uid = (await folderView(imap.client)).find((m) => m.messageId === kept.messageId)!.uid;
      await imap.client.mailboxOpen('INBOX');
      await imap.client.messageFlagsAdd(String(uid), ['\\Seen', '\\Flagged'], { uid: true });
      const backupDir = path.join(server.dir, 'backup-message');
      await cliJson(['backup', 'create', backupDir]);

      await imap.client.messageDelete(String(uid), { uid: true });
      expect((await folderView(imap.client)).some((m) => m.messageId === kept.messageId)).toBe(false);

      const args = ['backup', 'restore-message', backupDir, an.address, '--message-id', `<${kept.messageId}>`, '--doc', '45/CV-VP'];
      const first = await cliJson(args);
      expect(first).toMatchObject({ restored: 1, skipped: 0, folders: { INBOX: { restored: 1, skipped: 0 } } });
      const second = await cliJson(args);
      expect(second).toMatchObject({ restored: 0, skipped: 1 });

      // The server learns of the CLI's commit within a second (DESIGN.md "CLI").
      const back = (await waitForView(imap.client, (view) => view.some((m) => m.messageId === kept.messageId))).filter((m) => m.messageId === kept.messageId);
      expect(back).toHaveLength(1);
      // \\Recent is the session's (RFC 3501 §2.3.2): a restored message is new to this mailbox.
      expect(back[0]!.flags.filter((f) => f !== '\\Recent')).toEqual(['\\Flagged', '\\Seen']);
      expect(back[0]!.uid).toBeGreaterThan(uid);

      const audit: Array<{ action: string; actor: string; doc: string; subject: string }> = await cliJson(['audit', '--subject', an.address]);
      const restores = audit.filter((row) => row.action === 'message.restore');
      expect(restores).toHaveLength(2);
      expect(restores[0]).toMatchObject({ doc: '45/CV-VP', subject: an.address });
      expect(restores[0]!.actor).toMatch(/^cli:/);
    } finally {
      await imap.client.logout();
    }
  }, 180_000);

  it('refuses an unknown Message-ID with one line naming the backup', async () => {
    const backupDir = path.join(server.dir, 'backup-message');
    const result = await server.cli(['backup', 'restore-message', backupDir, an.address, '--message-id', '<khong-co@example.org>', '--doc', '1/X']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*backup-message: no message with Message-ID <khong-co@example.org> in the mail of /);
  }, 60_000);
});

describe('interrupted and damaged backups', () => {
  it('a backup killed with -9 leaves nothing at its name, and verify refuses what it left', async () => {
    const target = path.join(server.dir, 'interrupted', 'backup');
    const parent = path.dirname(target);
    rmSync(parent, { recursive: true, force: true });
    mkdirSync(parent);
    const child = spawn(process.execPath, [BIN, '--config', server.configFile, 'backup', 'create', target], { stdio: 'ignore' });
    // Killed as soon as its temporary directory appears: mid-snapshot.
    await new Promise<void>((resolve) => {
      const watcher = watch(parent, () => {
        if (readdirSync(parent).some((name) => name.includes('.partial-'))) {
          child.kill('SIGKILL');
          watcher.close();
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(target)).toBe(false);
    const leftover = readdirSync(parent).find((name) => name.includes('.partial-'))!;
    const refused = await server.cli(['backup', 'verify', path.join(parent, leftover)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no manifest\.json: not a finished backup/);
  }, 120_000);

  it('verify and restore name the damaged or truncated file', async () => {
    const good = path.join(server.dir, 'backup-message');
    const damaged = path.join(server.dir, 'damaged');
    cpSync(good, damaged, { recursive: true });
    const db = path.join(damaged, 'mail.db');
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.from('hỏng'), 0, 4, Math.floor(statSync(db).size / 2));
    closeSync(fd);
    const verify = await server.cli(['backup', 'verify', damaged]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toBe(`error: ${db}: SHA-256 differs from the manifest (damaged)\n`);
    const restore = await server.cli(['backup', 'restore', damaged, '--data-dir', path.join(server.dir, 'never')]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(`${db}: SHA-256 differs`);
    expect(existsSync(path.join(server.dir, 'never'))).toBe(false);

    truncateSync(db, 8192);
    const truncated = await server.cli(['backup', 'verify', damaged]);
    expect(truncated.stderr).toMatch(/mail\.db: 8192 bytes, the manifest says \d+ \(truncated or damaged\)/);
  }, 120_000);

  it('restore refuses a data directory that is not empty', async () => {
    const result = await server.cli(['backup', 'restore', path.join(server.dir, 'backup-message'), '--data-dir', server.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty: restore into a new, empty data directory/);
  }, 60_000);
});
