/**
 * Impersonation from outside, end to end (src/filters/impersonation.ts): nodemailer, as another
 * MTA would, sends each trick to the MX; every stored copy carries the Vietnamese subject tag and
 * the X-Impersonation header. An ordinary outside sender is not marked, nor is an official
 * writing to a colleague through submission.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TAG = '[Thư từ bên ngoài]';
const PASSWORD = 'Mat-khau-cua-Binh-2026';

let server: TestServer;
let annv: string;
beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  annv = (await server.addUser('Nguyễn Văn An', { address: 'annv' })).address;
  await server.addUser('Trần Thị Bình', { address: 'binhtt', password: PASSWORD });
});
afterAll(() => server.close());

/** The last message in annv's INBOX: its Subject line (decoded) and whether it has X-Impersonation. */
async function lastDelivered(): Promise<{ subject: string; marked: boolean }> {
  const store = server.server.context.store;
  const inbox = (await store.getMailbox(asAccountId(annv), 'INBOX'))!;
  const row = (await store.listMessages(inbox.id)).at(-1)!;
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(await store.readBlob(row.blobId));
  return { subject: parsed.subject ?? '', marked: parsed.headers.has('x-impersonation') };
}

const mx = () => nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });

const TRICKS: Array<[string, { name: string; address: string }]> = [
  ['an official’s name', { name: 'Trần Thị Bình', address: 'binh.tran@mail.example' }],
  ['the name without diacritics', { name: 'Tran Thi Binh', address: 'binh.tran@mail.example' }],
  ['our address as the display name', { name: 'binhtt@cantho.gov.vn', address: 'x@mail.example' }],
  ['cantho.gov.vn.evil.example', { name: 'Văn phòng', address: 'vanphong@cantho.gov.vn.evil.example' }],
  ['canth0.gov.vn', { name: 'Văn phòng', address: 'vanphong@canth0.gov.vn' }],
  ['a Cyrillic а in cаntho.gov.vn', { name: 'Văn phòng', address: 'vanphong@c\u0430ntho.gov.vn' }],
  ['a zero-width space in the name', { name: 'Trần Thị\u200b Bình', address: 'x@mail.example' }],
];

describe('impersonation over the MX', () => {
  for (const [trick, from] of TRICKS) {
    test(`marks ${trick}`, async () => {
      await mx().sendMail({ from, to: annv, subject: 'Giấy mời họp', text: 'Kính gửi anh An.' });
      expect(await lastDelivered()).toEqual({ subject: `${TAG} Giấy mời họp`, marked: true });
    });
  }

  test('does not mark an ordinary outside sender', async () => {
    await mx().sendMail({ from: { name: 'Báo Cần Thơ', address: 'toasoan@baocantho.example' }, to: annv, subject: 'Bản tin', text: 'Tin tức.' });
    expect(await lastDelivered()).toEqual({ subject: 'Bản tin', marked: false });
  });

  test('does not mark an official’s own mail through submission', async () => {
    const submission = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.ports.submissions,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'binhtt', pass: PASSWORD },
    });
    await submission.sendMail({ from: { name: 'Trần Thị Bình', address: 'binhtt@cantho.gov.vn' }, to: annv, subject: 'Lịch họp', text: 'Chào anh.' });
    expect(await lastDelivered()).toEqual({ subject: 'Lịch họp', marked: false });
  });
});
