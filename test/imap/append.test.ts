import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';
import type { RawClient } from './support.js';

let bed: MessageTestBed;

/** `tag head{n+}\r\n<bytes>tail`: a command with a LITERAL+ literal, sent as bytes. */
function sendWithLiteral(client: RawClient, tag: string, head: string, data: Buffer, tail = ''): Promise<string[]> {
  const literalHead = head.endsWith('~') ? `${head.slice(0, -1)}~{${data.length}+}\r\n` : `${head}{${data.length}+}\r\n`;
  client.send(Buffer.concat([Buffer.from(`${tag} ${literalHead}`), data, Buffer.from(`${tail}\r\n`)]));
  return client.until((line) => line.startsWith(`${tag} `));
}

beforeAll(async () => {
  bed = await startMessageTestBed({ config: { smtp: { max_message_size: '64KB' }, quota: { default: '256KB' } } });
});
afterAll(async () => {
  await bed?.close();
});

describe('APPEND (RFC 3501 §6.3.11, RFC 4315 APPENDUID)', () => {
  it('stores the message with its flags and date and answers APPENDUID', async () => {
    const client = await bed.login();
    const raw = textMessage('Gửi đi');
    const drafts = (await bed.store.getMailbox(bed.account, 'Drafts'))!;
    const reply = await sendWithLiteral(client, 'A1', `APPEND Drafts (\\Seen $Work) "20-Nov-2026 10:00:00 +0700" `, raw);
    expect(reply).toEqual([`A1 OK [APPENDUID ${drafts.uidValidity} ${drafts.uidNext}] APPEND completed`]);
    const [row] = await bed.store.listMessages(drafts.id);
    expect(row).toMatchObject({ uid: drafts.uidNext, size: raw.length, internalDate: new Date('2026-11-20T03:00:00Z') });
    expect([...row!.flags].sort()).toEqual(['$Work', '\\Seen']);
  });

  it('takes a synchronising literal after the continuation, and the selected mailbox sees EXISTS', async () => {
    const client = await bed.login('INBOX');
    const raw = textMessage('Đồng bộ');
    client.send(`A1 APPEND INBOX {${raw.length}}\r\n`);
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(Buffer.concat([raw, Buffer.from('\r\n')]));
    const reply = await client.until((line) => line.startsWith('A1 '));
    expect(reply).toEqual(['* 1 EXISTS', '* 1 RECENT', expect.stringMatching(/^A1 OK \[APPENDUID \d+ 1\] APPEND completed$/)]);
  });

  it('answers TRYCREATE, TOOBIG, OVERQUOTA and BAD, staying in sync', async () => {
    const client = await bed.login();
    const raw = textMessage('x');
    expect(await sendWithLiteral(client, 'A1', `APPEND Nowhere `, raw)).toEqual(['A1 NO [TRYCREATE] No such mailbox']);
    // Over APPENDLIMIT: refused before the data is sent (RFC 7889), no "+".
    expect(await client.command('A2', 'APPEND INBOX {70000}')).toEqual([expect.stringMatching(/^A2 NO \[TOOBIG\] /)]);
    expect(await client.command('A3', 'APPEND INBOX {0+}\r\n')).toEqual(['A3 NO [CANNOT] An empty message cannot be stored']);
    expect((await sendWithLiteral(client, 'A4', `APPEND INBOX "31-Feb-2026 10:00:00 +0700" `, raw))[0]).toMatch(/^A4 BAD /);
    expect((await client.command('A5', 'APPEND INBOX "not a literal"'))[0]).toMatch(/^A5 BAD /);
    const big = textMessage('lớn', 'y'.repeat(60_000));
    for (let i = 0; i < 4; i++) await sendWithLiteral(client, `F${i}`, `APPEND Archive `, big);
    expect(await sendWithLiteral(client, 'A6', `APPEND Archive `, big)).toEqual([
      expect.stringMatching(/^A6 NO \[OVERQUOTA\] /),
    ]);
    expect(await client.command('A7', 'NOOP')).toEqual(['A7 OK NOOP completed']);
  });

  it('accepts UTF8 (literal8) once UTF8=ACCEPT is enabled (RFC 6855 §4)', async () => {
    const client = await bed.login();
    expect(await client.command('E', 'ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED UTF8=ACCEPT', 'E OK ENABLE completed']);
    const raw = textMessage('Tiêu đề UTF-8');
    const reply = await sendWithLiteral(client, 'A1', `APPEND Sent UTF8 (~`, raw, ')');
    expect(reply[0]).toMatch(/^A1 OK \[APPENDUID \d+ \d+\] APPEND completed$/);
  });

  it('works for imapflow', async () => {
    const client = await bed.imapflow();
    const raw = textMessage('imapflow');
    const result = await client.append('Trash', raw, ['\\Flagged'], new Date('2026-11-01T00:00:00Z'));
    const trash = (await bed.store.getMailbox(bed.account, 'Trash'))!;
    expect(result).toMatchObject({ destination: 'Trash', uidValidity: BigInt(trash.uidValidity), uid: 1 });
  });
});
