import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, watch, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow, type WatchedClient } from '../interop/imapflow-client.js';
import { runCliInProcess, type CliResult } from '../cli/cli-helpers.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { writeDatabaseOneStoreStepBehind } from './older-schema.js';
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
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

async function cliJson(args: readonly string[], configFile = server.configFile): Promise<any> {
  const result = await cliWith(configFile, ['--json', ...args]);
  if (result.code !== 0) throw new Error(`cantho-mail ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** In this process (runCommandLine): the same parsing and answers; a process start would add nothing here but seconds. */
function cliWith(configFile: string, args: readonly string[]): Promise<CliResult> {
  return runCliInProcess(['--config', configFile, ...args]);
}

/** A copy of serve's config file (beside it: it names spam-rules.toml relatively) whose data_dir is `dataDir`. */
function configWithDataDir(dataDir: string): string {
  const config = parseToml(readFileSync(server.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  config.server!.data_dir = dataDir;
  const file = path.join(path.dirname(server.configFile), `${path.basename(dataDir)}.toml`);
  writeFileSync(file, stringifyToml(config));
  return file;
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
  });
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
  });

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
  });

  it('restore refuses a data directory that is not empty', async () => {
    const result = await server.cli(['backup', 'restore', path.join(server.dir, 'backup-message'), '--data-dir', server.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty: restore into a new, empty data directory/);
  });
});

describe('backup restore-mailbox', () => {
  it('--folder brings back one folder once; --as puts a retired official’s mail under a folder of another mailbox', async () => {
    const cuong = await server.addOfficial('Lê Văn Cường');
    const records = await server.addOfficial('Phạm Thị Lưu');
    const FOLDER = 'Công văn đến';
    const mail = [];
    for (let n = 0; n < 4; n++) mail.push(await deliver(server.ports.mx, cuong.address, `cuong-${n}@example.org`));
    const backupDir = path.join(server.dir, 'backup-mailbox');
    const imap = await connectImapflow(server.ports.imap, cuong);
    let filed: MessageView[];
    try {
      await imap.client.mailboxCreate(FOLDER);
      await imap.client.mailboxOpen('INBOX');
      const inbox = await folderView(imap.client);
      await imap.client.mailboxOpen('INBOX');
      await imap.client.messageFlagsAdd(String(inbox[0]!.uid), ['\\Flagged', '$Label1'], { uid: true });
      await imap.client.messageMove(`${inbox[0]!.uid}:${inbox[1]!.uid}`, FOLDER, { uid: true });
      filed = await folderView(imap.client, FOLDER);
      expect(filed).toHaveLength(2);
      await cliJson(['backup', 'create', backupDir]);

      // The official empties the folder by mistake.
      await imap.client.mailboxOpen(FOLDER);
      await imap.client.messageDelete('1:*');
      expect(await folderView(imap.client, FOLDER)).toEqual([]);

      const args = ['backup', 'restore-mailbox', backupDir, cuong.address, '--folder', FOLDER, '--doc', '46/CV-VP'];
      expect(await cliJson(args)).toMatchObject({ restored: 2, skipped: 0, folders: { [FOLDER]: { restored: 2, skipped: 0 } } });
      expect(await cliJson(args)).toMatchObject({ restored: 0, skipped: 2 });
      const back = await waitForView(imap.client, (view) => view.length >= 2, FOLDER);
      expect(back.map((m) => [m.messageId, m.flags.filter((f) => f !== '\\Recent')])).toEqual(filed.map((m) => [m.messageId, m.flags.filter((f) => f !== '\\Recent')]));
      // The INBOX, not asked for, is left as it is: no copy of what is still there.
      expect((await folderView(imap.client)).map((m) => m.messageId).sort()).toEqual([mail[2]!.messageId, mail[3]!.messageId].sort());
    } finally {
      await imap.client.logout();
    }

    expect((await server.cli(['person', 'retire', cuong.address, '--doc', '88/QĐ-VP'])).code).toBe(0);
    const refused = await server.cli(['backup', 'restore-mailbox', backupDir, cuong.address, '--doc', '47/CV-VP']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`error: ${cuong.address} is retired: restore with --as <address>/<folder> (e.g. the records office's mailbox)\n`);

    const dossier = `Hồ sơ ${cuong.address.split('@')[0]}`;
    const whole = ['backup', 'restore-mailbox', backupDir, cuong.address, '--as', `${records.address}/${dossier}`, '--doc', '47/CV-VP'];
    expect(await cliJson(whole)).toMatchObject({ restored: 4, skipped: 0, folders: { [`${dossier}/INBOX`]: { restored: 2 }, [`${dossier}/${FOLDER}`]: { restored: 2 } } });
    expect(await cliJson(whole)).toMatchObject({ restored: 0, skipped: 4 });
    const oneFolder = ['backup', 'restore-mailbox', backupDir, cuong.address, '--folder', FOLDER, '--as', `${records.address}/Công văn của Cường`, '--doc', '48/CV-VP'];
    expect(await cliJson(oneFolder)).toMatchObject({ restored: 2, skipped: 0, folders: { 'Công văn của Cường': { restored: 2 } } });

    const office = await connectImapflow(server.ports.imap, records);
    try {
      const ids = async (folder: string) => (await folderView(office.client, folder)).map((m) => m.messageId).sort();
      expect(await ids(`${dossier}/INBOX`)).toEqual([mail[2]!.messageId, mail[3]!.messageId].sort());
      expect(await ids(`${dossier}/${FOLDER}`)).toEqual(filed.map((m) => m.messageId).sort());
      expect(await ids('Công văn của Cường')).toEqual(filed.map((m) => m.messageId).sort());
      expect(await ids('INBOX')).toEqual([]);
    } finally {
      await office.client.logout();
    }
    const audit: Array<{ action: string; doc: string; actor: string }> = await cliJson(['audit', '--subject', records.address]);
    expect(audit.filter((row) => row.action === 'mailbox.restore').map((row) => row.doc)).toEqual(['47/CV-VP', '47/CV-VP', '48/CV-VP']);
  }, 420_000);
});

describe('restoring another schema', () => {
  it('an older schema is refused without --migrate and brought up to date with it; the mail is all there', async () => {
    const live = path.join(server.dir, 'backup-message');
    const olderData = path.join(server.dir, 'older-data');
    mkdirSync(olderData);
    const step = writeDatabaseOneStoreStepBehind(path.join(live, 'mail.db'), path.join(olderData, 'mail.db'));
    const olderBackup = path.join(server.dir, 'backup-older');
    const created = await cliJson(['backup', 'create', olderBackup], configWithDataDir(olderData));
    expect(created.schema.store).toBe(step);

    const target = path.join(server.dir, 'restored-older');
    const refused = await server.cli(['backup', 'restore', olderBackup, '--data-dir', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*backup-older: made by an older cantho-mail \(schema .*"store":\d+.*\): restore with --migrate to bring it up to date\n$/);
    expect(existsSync(target)).toBe(false);

    const migrated = await cliJson(['backup', 'restore', olderBackup, '--data-dir', target, '--migrate']);
    expect(migrated.migrated).toBe(true);
    expect(migrated.schema.store).toBe(step + 1);
    // What this version reads from the migrated data: An's mailbox, exported by the CLI.
    const mbox = path.join(server.dir, 'older-an.mbox');
    const exported = await cliJson(['export', an.address, '--mbox', mbox], configWithDataDir(target));
    const liveDb = new Database(path.join(live, 'mail.db'), { readonly: true });
    const anMessages = liveDb.prepare(`SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox WHERE b.account = ?`).pluck().get(an.address) as number;
    liveDb.close();
    expect(anMessages).toBeGreaterThan(0);
    expect(exported.messages).toBe(anMessages);
    expect(readFileSync(mbox, 'latin1').match(/^From /gm)).toHaveLength(anMessages);
  }, 180_000);

  it('a newer schema is refused', async () => {
    // A copy of the live data as a newer cantho-mail leaves it: a store step this one does not know.
    const newerData = path.join(server.dir, 'newer-data');
    await cliJson(['backup', 'restore', path.join(server.dir, 'backup-message'), '--data-dir', newerData]);
    const db = new Database(path.join(newerData, 'mail.db'));
    const next = (db.prepare(`SELECT max(version) FROM schema_migrations WHERE component = 'store'`).pluck().get() as number) + 1;
    db.prepare(`INSERT INTO schema_migrations (component, version) VALUES ('store', ?)`).run(next);
    db.close();
    const newerBackup = path.join(server.dir, 'backup-newer');
    expect((await cliJson(['backup', 'create', newerBackup], configWithDataDir(newerData))).schema.store).toBe(next);

    const target = path.join(server.dir, 'restored-newer');
    for (const migrate of [[], ['--migrate']]) {
      const refused = await server.cli(['backup', 'restore', newerBackup, '--data-dir', target, ...migrate]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`error: ${newerBackup}: schema store step ${next} is newer than this cantho-mail knows (${next - 1}): restore with the version that made the backup\n`);
      expect(existsSync(target)).toBe(false);
    }
  }, 180_000);
});

describe('disk full during a backup', () => {
  /** The size of a recent backup of the live data: a disk of half that cannot hold the next one. */
  const backupBytes = () => statSync(path.join(server.dir, 'backup-message', 'mail.db')).size;

  /** The server goes on: /healthz 200, and a message delivered now is in the INBOX over IMAP. */
  async function stillServing(label: string): Promise<void> {
    expect((await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).status).toBe(200);
    const after = await deliver(server.ports.mx, an.address, `sau-khi-day-${label}@example.org`);
    const imap = await connectImapflow(server.ports.imap, an);
    try {
      expect((await waitForView(imap.client, (view) => view.some((m) => m.messageId === after.messageId))).some((m) => m.messageId === after.messageId)).toBe(true);
    } finally {
      await imap.client.logout();
    }
  }

  function expectCleanFailure(result: CliResult, target: string): void {
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not enough space for the backup \\(.+\\); nothing was kept, the live data is untouched\\n$`));
    // Nothing at the name, no .partial left behind (so nothing that could pass for a backup).
    expect(readdirSync(path.dirname(target))).toEqual([]);
  }

  it('on a full file system (a small tmpfs): one line, exit 1, nothing left, the server still serving', async (context) => {
    const disk = path.join(server.dir, 'small-disk');
    mkdirSync(disk, { recursive: true });
    const size = `${Math.max(64, Math.floor(backupBytes() / 2048))}k`;
    const mounted = await runProcess('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
    if (mounted.code !== 0) {
      // Not root, or a container without CAP_SYS_ADMIN: the file size limit case below still runs.
      console.log(`disk full on tmpfs not tested: mount refused (${mounted.stderr.trim()})`);
      context.skip();
    }
    try {
      const target = path.join(disk, 'backup');
      const result = await server.cli(['backup', 'create', target]);
      expectCleanFailure(result, target);
      console.log(`disk full (tmpfs of ${size}, backup of ${backupBytes()} bytes): ${result.stderr.trim()}`);
    } finally {
      await runProcess('umount', [disk]);
    }
    await stillServing('tmpfs');
  });

  it('past the file size limit (RLIMIT_FSIZE, works without mount): the same clean failure', async () => {
    const parent = path.join(server.dir, 'limited');
    mkdirSync(parent, { recursive: true });
    const target = path.join(parent, 'backup');
    // prlimit (util-linux) sets RLIMIT_FSIZE on the backup process only: a write past it fails with EFBIG (Node ignores SIGXFSZ).
    const limit = Math.floor(backupBytes() / 2);
    const result = await runProcess('prlimit', [`--fsize=${limit}`, process.execPath, BIN, '--config', server.configFile, 'backup', 'create', target], { cwd: server.dir });
    expectCleanFailure(result, target);
    console.log(`file size limit ${limit} bytes (backup of ${backupBytes()} bytes): ${result.stderr.trim()}`);
    await stillServing('fsize');
  });
});
