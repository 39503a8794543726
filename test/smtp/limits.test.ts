import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, startHarness, type Harness } from './harness.js';
import { RawSmtp, sendOneMessage } from './raw-client.js';

/**
 * `[limits]` (DESIGN.md "Config") checked while DATA streams in, before any parser: header bytes,
 * header lines, one field's bytes, MIME parts, and `memory_ceiling` across sessions. Every refusal
 * keeps the session in step (the next command is answered) and stores nothing.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    config: {
      smtp: { max_message_size: '2MB' },
      limits: { max_header_bytes: '8KB', max_header_lines: 50, max_header_field_bytes: '2KB', max_mime_parts: 5, memory_ceiling: '1MB' },
    },
  });
});
afterAll(() => h.close());

const send = (message: string | Buffer): Promise<string> => sendOneMessage(h.mx, message);

function multipart(parts: number, boundary = 'b0'): string {
  const body = Array.from({ length: parts }, (_, i) => `--${boundary}\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
  return `Subject: parts\r\nContent-Type: multipart/mixed;\r\n boundary="${boundary}"\r\n\r\n${body}--${boundary}--`;
}

describe('message limits before any parser', () => {
  test('a message within every limit is delivered', async () => {
    const before = (await h.messages(ANNV)).length;
    expect(await send(multipart(5))).toMatch(/^250 2\.6\.0 /);
    expect(await h.messages(ANNV)).toHaveLength(before + 1);
  });

  test.each([
    ['more header lines than max_header_lines (folded lines count)', `Subject: a\r\nX-Long: x${'\r\n y'.repeat(60)}\r\n\r\nbody`, '552 5.3.4 Message header exceeds 50 lines'],
    ['a header block over max_header_bytes', `${Array.from({ length: 40 }, (_, i) => `X-F${i}: ${'v'.repeat(300)}`).join('\r\n')}\r\n\r\nbody`, '552 5.3.4 Message header exceeds 8192 bytes'],
    ['one field over max_header_field_bytes', `Subject: ${'s'.repeat(3000)}\r\n\r\nbody`, '552 5.3.4 A header field exceeds 2048 bytes'],
    ['a header line with no end over max_header_bytes', `Subject: ${'s'.repeat(20_000)}`, '552 5.3.4 Message header exceeds 8192 bytes'],
    ['a folded field over max_header_field_bytes', `Subject: a\r\nX-Long: ${`\r\n ${'y'.repeat(60)}`.repeat(40)}\r\n\r\nbody`, '552 5.3.4 A header field exceeds 2048 bytes'],
    ['more MIME parts than max_mime_parts', multipart(6), '554 5.6.0 Message has more than 5 MIME parts'],
    ['too many nested multiparts', nested(7), '554 5.6.0 Message has more than 5 MIME parts'],
    ['part headers over max_header_lines', multipart(1).replace('Content-Type: text/plain', `Content-Type: text/plain${'\r\n X'.repeat(60)}`), '552 5.3.4 Message header exceeds 50 lines'],
  ])('refuses %s and stores nothing', async (_name, message, reply) => {
    const before = (await h.messages(ANNV)).length;
    expect(await send(message)).toBe(reply);
    expect(await h.messages(ANNV)).toHaveLength(before);
  });

  test('a message larger than memory_ceiling is answered 452 4.3.1 and its bytes are given back', async () => {
    const before = (await h.messages(ANNV)).length;
    const big = `Subject: big\r\n\r\n${`${'z'.repeat(998)}\r\n`.repeat(1100)}`;
    expect(await send(big)).toBe('452 4.3.1 Insufficient system storage, try again later');
    expect(await h.messages(ANNV)).toHaveLength(before);
    expect(h.ctx.memory.inUse).toBe(0);
    expect(await send('Subject: small\r\n\r\nbody')).toMatch(/^250 2\.6\.0 /);
    expect(h.ctx.memory.inUse).toBe(0);
  });

  test('a SIZE declared at MAIL FROM that does not fit is answered 452 4.3.1 at once (RFC 1870)', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.command('MAIL FROM:<sender@example.org> SIZE=900000')).toBe('452 4.3.1 Insufficient system storage, try again later');
    expect(await client.command('MAIL FROM:<sender@example.org> SIZE=1000')).toBe('250 2.1.0 Accepted');
    await client.quit();
  });
});

/** `depth` multiparts, each the only part of the one around it. */
function nested(depth: number): string {
  let inner = 'Content-Type: text/plain\r\n\r\nleaf\r\n';
  for (let level = depth; level > 0; level--) {
    inner = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${inner}--n${level}--\r\n`;
  }
  return `Subject: nested\r\n${inner}`;
}
