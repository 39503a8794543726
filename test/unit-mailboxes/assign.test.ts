import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assignUnitMessage } from '../../src/maintenance/index.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { imaplibFlags } from './real-clients.js';

/**
 * Điều 9.2 assignment: a message of the unit INBOX is passed to a delegate with a note; the
 * unit's copy carries `$Assigned` as Python's imaplib sees it, the delegate gets the note with the
 * original attached, and the audit log says who, to whom, when.
 */
let server: TestServer;
let binh: TestUser;
let dao: TestUser;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  binh = await server.addUser('Lê Quang Bình', { unit: 'vpubnd', password: 'Cau-Can-Tho-dai-nhat' });
  dao = await server.addUser('Trần Thị Đào', { unit: 'sotttt' });
  server.grant('vpubnd', binh.address, { rights: 'lrswitedka' });
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'vanthu@soyte.example', to: 'vpubnd@cantho.gov.vn', subject: 'Công văn 12/SYT', text: 'Đề nghị phối hợp.' });
  transport.close();
}, 240_000);
afterAll(async () => {
  await server?.close();
});

describe('assigning a unit message (Điều 9.2)', () => {
  test('refuses someone outside the unit and a UID that does not exist', async () => {
    const ctx = server.server.context;
    await expect(assignUnitMessage(ctx.directory, ctx.store, { unit: 'vpubnd', uid: 1, to: dao.address, note: 'Xử lý', actor: 'cli:test' })).rejects.toThrow(
      `${dao.address} is neither a member nor a delegate of vpubnd@cantho.gov.vn`,
    );
    await expect(assignUnitMessage(ctx.directory, ctx.store, { unit: 'vpubnd', uid: 99, to: binh.address, note: 'Xử lý', actor: 'cli:test' })).rejects.toThrow(
      'no message with UID 99 in the INBOX of vpubnd@cantho.gov.vn',
    );
  });

  test('forwards with the note, sets $Assigned (seen by imaplib) and audits who, to whom, when', async () => {
    const ctx = server.server.context;
    await assignUnitMessage(ctx.directory, ctx.store, { unit: 'vpubnd', uid: 1, to: binh.address, note: 'Anh Bình soạn trả lời trước thứ Sáu.', actor: 'cli:test', doc: '7/PC-VP' });
    expect(await imaplibFlags(server.ports.imap, `vpubnd*${binh.address.split('@')[0]}`, binh.password)).toMatch(/^1 \(FLAGS \(.*\$Assigned.*\)\)$/m);

    const client = new ImapFlow({ host: '127.0.0.1', port: server.ports.imap, secure: false, doSTARTTLS: true, tls: { rejectUnauthorized: false }, auth: { user: binh.address, pass: binh.password }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    const message = await client.fetchOne('*', { envelope: true, source: true });
    lock.release();
    await client.logout();
    expect(message && message.envelope?.subject).toBe('Giao xử lý: Công văn 12/SYT');
    expect(message && message.source?.toString()).toContain('Content-Type: message/rfc822');

    const [row] = server.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).filter((r) => r.action === 'unit.assign');
    expect(row).toMatchObject({ actor: 'cli:test', doc: '7/PC-VP', detail: { uid: 1, to: binh.address, note: 'Anh Bình soạn trả lời trước thứ Sáu.' } });
  });
});
