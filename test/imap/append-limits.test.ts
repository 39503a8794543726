import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

/**
 * APPEND passes the same `[limits]` as SMTP DATA (DESIGN.md "Config"), checked before anything
 * parses the message: RFC 9051 §6.3.12 tagged NO with RFC 5530 §3 [LIMIT], nothing stored, and the
 * session goes on.
 */
let bed: MessageTestBed;

beforeAll(async () => {
  bed = await startMessageTestBed({
    config: { limits: { max_header_bytes: '8KB', max_header_lines: 50, max_header_field_bytes: '2KB', max_mime_parts: 5 } },
  });
});
afterAll(async () => {
  await bed?.close();
});

function multipart(parts: number): Buffer {
  const body = Array.from({ length: parts }, (_, i) => `--b0\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
  return Buffer.from(`Subject: parts\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${body}--b0--\r\n`);
}

describe('APPEND within [limits]', () => {
  it.each([
    ['more header lines than max_header_lines', Buffer.from(`Subject: a\r\nX-Long: x${'\r\n y'.repeat(60)}\r\n\r\nbody\r\n`), 'Message header exceeds 50 lines'],
    ['a header block over max_header_bytes', Buffer.from(`${Array.from({ length: 40 }, (_, i) => `X-F${i}: ${'v'.repeat(300)}`).join('\r\n')}\r\n\r\nbody\r\n`), 'Message header exceeds 8192 bytes'],
    ['one field over max_header_field_bytes', Buffer.from(`Subject: ${'s'.repeat(3000)}\r\n\r\nbody\r\n`), 'A header field exceeds 2048 bytes'],
    ['more MIME parts than max_mime_parts', multipart(6), 'Message has more than 5 MIME parts'],
  ])('refuses %s with a tagged NO [LIMIT] and stores nothing', async (_name, raw, text) => {
    const client = await bed.login();
    const archive = (await bed.store.getMailbox(bed.account, 'Archive'))!;
    const before = (await bed.store.listMessages(archive.id)).length;
    client.send(Buffer.concat([Buffer.from(`A1 APPEND Archive {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
    expect(await client.until((line) => line.startsWith('A1 '))).toEqual([`A1 NO [LIMIT] ${text}`]);
    expect(await client.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    expect(await bed.store.listMessages(archive.id)).toHaveLength(before);
  });

  it('imapflow gets the refusal for a message past a limit, and stores one within them', async () => {
    const flow = await bed.imapflow();
    const archive = (await bed.store.getMailbox(bed.account, 'Archive'))!;
    const before = (await bed.store.listMessages(archive.id)).length;
    await expect(flow.append('Archive', multipart(6))).rejects.toThrow();
    expect(await bed.store.listMessages(archive.id)).toHaveLength(before);
    const stored = await flow.append('Archive', multipart(5));
    expect(stored).toMatchObject({ destination: 'Archive' });
    expect(await bed.store.listMessages(archive.id)).toHaveLength(before + 1);
    await flow.append('Archive', textMessage('Trong giới hạn'));
    expect(await bed.store.listMessages(archive.id)).toHaveLength(before + 2);
    await flow.logout();
  });
});
