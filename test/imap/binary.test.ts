/**
 * RFC 3516 BINARY: FETCH BINARY[…], BINARY.PEEK[…], BINARY.SIZE[…] (content-transfer-encoding
 * undone, `NO [UNKNOWN-CTE]` for one we cannot undo), literal8 only when the data holds a NUL, and
 * literal8 in APPEND; exact replies over a raw socket, then Python imaplib and curl as real clients.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, type MessageTestBed } from './message-fixtures.js';

const run = promisify(execFile);

/** Part 1 quoted-printable text, part 2 base64 octets with a NUL, part 3 an encoding nobody decodes. */
function multipart(third: 'x-uuencode' | '7bit'): Buffer {
  return Buffer.from(
    [
      'From: daott@cantho.gov.vn',
      'To: annv@cantho.gov.vn',
      'Subject: Bảng số liệu',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'caf=C3=A9 d=',
      'one',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAFB',
      '--b',
      'Content-Type: application/octet-stream',
      `Content-Transfer-Encoding: ${third}`,
      '',
      'begin 644 x',
      '--b--',
      '',
    ].join('\r\n'),
  );
}

let bed: MessageTestBed;
let mixedUid: number;
let uuencodedUid: number;

beforeAll(async () => {
  bed = await startMessageTestBed();
  mixedUid = await bed.deliver(multipart('7bit'));
  uuencodedUid = await bed.deliver(multipart('x-uuencode'));
  await bed.login('INBOX'); // takes \Recent, so every test sees the same flags
});
afterAll(async () => {
  await bed?.close();
});

const joined = (lines: readonly string[]) => lines.join('\r\n');

describe('FETCH BINARY (RFC 3516 §4.2)', () => {
  it('decodes quoted-printable and base64, with a literal8 only for data holding a NUL', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', `UID FETCH ${mixedUid} (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3])`);
    expect(joined(reply)).toBe(
      `* 1 FETCH (UID ${mixedUid} BINARY[1] {10}\r\ncafé done BINARY.SIZE[1] 10 BINARY[2] ~{3}\r\n\x00\x01A BINARY.SIZE[2] 3 BINARY[3] {11}\r\nbegin 644 x)\r\n` +
        'A1 OK UID FETCH completed',
    );
  });

  it('answers partial ranges of the decoded data, the whole message for [], and NIL for a missing part', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', 'FETCH 1 (BINARY.PEEK[2]<1.5> BINARY.PEEK[1]<3.3> BINARY.PEEK[9] BINARY.SIZE[9] BINARY.SIZE[])');
    const size = multipart('7bit').length;
    expect(joined(reply)).toBe(`* 1 FETCH (BINARY[2]<1> {2}\r\n\x01A BINARY[1]<3> {3}\r\né  BINARY[9] NIL BINARY.SIZE[9] 0 BINARY.SIZE[] ${size})\r\nA1 OK FETCH completed`);
    const whole = await client.command('A2', 'FETCH 1 (BINARY.PEEK[])');
    expect(whole[0]).toBe(`* 1 FETCH (BINARY[] {${size}}`);
  });

  it('sets \\Seen for BINARY but not for BINARY.PEEK or BINARY.SIZE', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'FETCH 1 (BINARY.SIZE[1] FLAGS)')).toEqual(['* 1 FETCH (BINARY.SIZE[1] 10 FLAGS ())', 'A1 OK FETCH completed']);
    const reply = await client.command('A2', 'FETCH 1 BINARY[2]');
    expect(joined(reply)).toBe('* 1 FETCH (BINARY[2] ~{3}\r\n\x00\x01A FLAGS (\\Seen))\r\nA2 OK FETCH completed');
    await client.command('A3', 'STORE 1 -FLAGS.SILENT (\\Seen)');
  });

  it('refuses a part with an unknown content-transfer-encoding with NO [UNKNOWN-CTE], after the other messages', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', 'FETCH 1:2 (BINARY.PEEK[1])');
    expect(reply).toEqual(['* 1 FETCH (BINARY[1] {10}', 'café done)', '* 2 FETCH (BINARY[1] {10}', 'café done)', 'A1 OK FETCH completed']);
    const refused = await client.command('A2', 'FETCH 1:2 (BINARY.PEEK[3])');
    expect(refused).toEqual(['* 1 FETCH (BINARY[3] {11}', 'begin 644 x)', expect.stringMatching(/^A2 NO \[UNKNOWN-CTE\] Part 3 /)]);
    expect((await client.command('A3', `UID FETCH ${uuencodedUid} BINARY.SIZE[3]`)).at(-1)).toMatch(/^A3 NO \[UNKNOWN-CTE\] /);
  });

  it('answers malformed BINARY items with BAD', async () => {
    const client = await bed.login('INBOX');
    for (const item of ['BINARY[1.TEXT]', 'BINARY[0]', 'BINARY.SIZE[1]<0.2>', 'BINARY[1', 'BINARY.PEEK', 'BINARY[1.]']) {
      expect((await client.command('B', `FETCH 1 (${item})`)).at(-1), item).toMatch(/^B BAD /);
    }
    expect((await client.command('C', 'NOOP')).at(-1)).toBe('C OK NOOP completed');
  });
});

describe('APPEND with literal8 (RFC 3516 §4.4)', () => {
  it('stores a message with NUL octets and gives them back only through BINARY', async () => {
    const client = await bed.login('INBOX');
    const body = Buffer.from('NUL here:\x00 and after\r\n', 'latin1');
    const raw = Buffer.concat([Buffer.from('Subject: nhị phân\r\nContent-Transfer-Encoding: binary\r\n\r\n'), body]);
    client.send(Buffer.concat([Buffer.from(`P1 APPEND INBOX ~{${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
    const appended = await client.until((line) => line.startsWith('P1 '));
    const uid = /APPENDUID \d+ (\d+)/.exec(appended.at(-1)!)![1];
    const binary = await client.command('F1', `UID FETCH ${uid} (BINARY.PEEK[1] BINARY.SIZE[1])`);
    expect(joined(binary)).toContain(`BINARY[1] ~{${body.length}}\r\nNUL here:\x00 and after\r\n BINARY.SIZE[1] ${body.length})`);
    // RFC 3501 §9 CHAR8: a plain literal never carries a NUL (responses.ts withoutNul).
    const plain = await client.command('F2', `UID FETCH ${uid} (BODY.PEEK[1])`);
    expect(joined(plain)).toContain(`BODY[1] {${body.length}}\r\nNUL here:\uFFFD and after`);
  });
});

describe('real clients', () => {
  it('Python imaplib fetches BINARY data and sizes', async () => {
    const script = [
      'import imaplib, sys',
      'c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))',
      // The test password is not ASCII, which imaplib's LOGIN cannot send; AUTHENTICATE PLAIN can.
      'c.authenticate("PLAIN", lambda _: ("\\0" + sys.argv[2] + "\\0" + sys.argv[3]).encode())',
      'c.select("INBOX", readonly=True)',
      'print(c.uid("FETCH", sys.argv[4], "(BINARY.PEEK[2] BINARY.SIZE[1])"))',
      'print(c.fetch("1", "(BINARY.PEEK[1])"))',
      'c.logout()',
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script, String(bed.server.ports.imap), bed.user.address, bed.user.password, String(mixedUid)], { timeout: 20_000 });
    expect(stdout.trim().split('\n')).toEqual([
      `('OK', [(b'1 (UID ${mixedUid} BINARY[2] ~{3}', b'\\x00\\x01A'), b' BINARY.SIZE[1] 10)'])`,
      "('OK', [(b'1 (BINARY[1] {10}', b'caf\\xc3\\xa9 done'), b')'])",
    ]);
  });

  it('curl sends BINARY fetches as custom requests', async () => {
    const curl = async (request: string) =>
      (
        await run(
          'curl',
          ['--silent', '--show-error', '--user', `${bed.user.address}:${bed.user.password}`, '-X', request, `imap://127.0.0.1:${bed.server.ports.imap}/INBOX`],
          { timeout: 20_000 },
        )
      ).stdout;
    expect(await curl(`UID FETCH ${mixedUid} (BINARY.SIZE[1] BINARY.SIZE[2])`)).toBe(`* 1 FETCH (UID ${mixedUid} BINARY.SIZE[1] 10 BINARY.SIZE[2] 3)\r\n`);
    // curl prints a custom request's untagged lines, not the literal data that follows one.
    expect(await curl(`UID FETCH ${mixedUid} BINARY.PEEK[1]`)).toBe(`* 1 FETCH (UID ${mixedUid} BINARY[1] {10}\r\n`);
  });
});
