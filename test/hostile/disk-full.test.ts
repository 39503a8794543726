import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow, type WatchedClient } from '../interop/imapflow-client.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { attachmentMessage as message } from './messages.js';
import { sendRaw } from './smtp-send.js';

/**
 * A full disk (RFC 3463 §3.4 4.3.1, RFC 5530 §3 LIMIT): the server's data directory is a small
 * tmpfs, a filler file takes the rest of it. Mail is then refused `452 4.3.1` (MX and
 * submission), IMAP APPEND `NO [LIMIT]`; once the filler is gone the next message is stored
 * without a restart, and every message that was acknowledged before is still there, byte for byte.
 *
 * Needs root for `mount -t tmpfs` (CI runs as root on this kind of machine); skipped otherwise.
 */

const TMPFS_SIZE = '48m';
let mountPoint = '';
let mounted = false;
let server: ReadmeServer | undefined;
let official: Official;
let imap: WatchedClient | undefined;

beforeAll(async () => {
  mountPoint = mkdtempSync(path.join(os.tmpdir(), 'cm-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    console.warn(`disk-full test skipped: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  server = await startReadmeServer({ dataDir: mountPoint, passwordChange: 'config' });
  official = await server.addOfficial('Nguyễn Văn An');
});

afterAll(async () => {
  await imap?.client.logout().catch(() => undefined);
  await server?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** What the official sends through submission: From: must be their own address. */
function ownMessage(subject: string): Buffer {
  const text = message(subject, 3_000_000).toString('latin1');
  return Buffer.from(text.replace(/^From: .*$/m, `From: <${official.address}>`), 'latin1');
}

/** Writes a filler file in the data directory until the file system says ENOSPC. */
function fillDisk(file: string): number {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('a full disk', () => {
  it('refuses mail with 452 4.3.1 and APPEND with NO [LIMIT], loses nothing acknowledged, and recovers when space returns', async (context) => {
    if (!server) return context.skip();
    const mx = server.ports.mx;
    const acknowledged = new Map<string, Buffer>([
      ['truoc-1', message('truoc-1', 2_000)],
      ['truoc-2', message('truoc-2', 1_000_000)],
    ]);
    for (const raw of acknowledged.values()) expect((await sendRaw(mx, raw, official.address)).code).toBe(250);
    imap = await connectImapflow(server.ports.imap, official);

    const filler = path.join(mountPoint, 'filler');
    console.log(`filler: ${fillDisk(filler)} bytes`);

    const refused = await sendRaw(mx, message('khi-day', 6_000_000), official.address);
    console.log(`MX while full: ${refused.text}`);
    expect(refused.text).toMatch(/^452 4\.3\.1 /);
    const submitted = await sendRaw(server.ports.submission, ownMessage('gui-khi-day'), official.address, { login: official });
    console.log(`submission while full: ${submitted.text}`);
    expect(submitted.text).toMatch(/^452 4\.3\.1 /);

    const refusal = imap.serverLine(/^\S+ NO /);
    await expect(imap.client.append('INBOX', message('append-khi-day', 6_000_000))).rejects.toThrow();
    const line = await refusal;
    console.log(`APPEND while full: ${line}`);
    expect(line).toMatch(/^\S+ NO \[LIMIT\] Server storage is full/);

    rmSync(filler);
    const after = message('sau', 6_000_000);
    const stored = await sendRaw(mx, after, official.address);
    expect(stored.code).toBe(250);
    acknowledged.set('sau', after);
    const appended = message('append-sau', 500_000);
    await imap.client.append('INBOX', appended);
    acknowledged.set('append-sau', appended);

    const lock = await imap.client.getMailboxLock('INBOX');
    try {
      const found = new Map<string, Buffer>();
      for await (const fetched of imap.client.fetch('1:*', { envelope: true, source: true })) found.set(fetched.envelope!.subject!, fetched.source!);
      expect([...found.keys()].sort()).toEqual([...acknowledged.keys()].sort());
      for (const [id, raw] of acknowledged) {
        // The MX prepends its trace fields; the message as sent follows them unchanged.
        const source = found.get(id)!;
        expect(source.subarray(source.length - raw.length).equals(raw), `${id} intact`).toBe(true);
      }
    } finally {
      lock.release();
    }
  });
});
