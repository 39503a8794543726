import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
const uids: number[] = [];

beforeAll(async () => {
  bed = await startMessageTestBed();
  for (const subject of ['một', 'hai', 'ba', 'bốn']) uids.push(await bed.deliver(textMessage(subject), { flags: ['\\Seen', '$Label1'] }));
});
afterAll(async () => {
  await bed?.close();
});

describe('COPY (RFC 3501 §6.4.7, RFC 4315 COPYUID)', () => {
  it('copies with flags and answers COPYUID with compact sets', async () => {
    const client = await bed.login('INBOX');
    const archive = (await bed.store.getMailbox(bed.account, 'Archive'))!;
    const first = archive.uidNext;
    expect(await client.command('A1', 'COPY 1:2,4 Archive')).toEqual([
      `A1 OK [COPYUID ${archive.uidValidity} ${uids[0]}:${uids[1]},${uids[3]} ${first}:${first + 2}] COPY completed`,
    ]);
    expect(await client.command('A2', 'STATUS Archive (MESSAGES)')).toEqual(['* STATUS Archive (MESSAGES 3)', 'A2 OK STATUS completed']);
    const copied = await bed.store.listMessages(archive.id);
    expect(copied.map((row) => [...row.flags].sort())).toEqual([
      ['$Label1', '\\Seen'],
      ['$Label1', '\\Seen'],
      ['$Label1', '\\Seen'],
    ]);
  });

  it('copies by UID, ignoring UIDs that do not exist', async () => {
    const client = await bed.login('INBOX');
    const trash = (await bed.store.getMailbox(bed.account, 'Trash'))!;
    expect(await client.command('A1', `UID COPY ${uids[2]},99999 Trash`)).toEqual([
      `A1 OK [COPYUID ${trash.uidValidity} ${uids[2]} ${trash.uidNext}] UID COPY completed`,
    ]);
    expect(await client.command('A2', 'UID COPY 99999 Trash')).toEqual(['A2 OK UID COPY completed']);
  });

  it('answers NO [TRYCREATE] for a missing mailbox and BAD for bad sets', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'COPY 1 Nowhere')).toEqual(['A1 NO [TRYCREATE] No such mailbox']);
    expect((await client.command('A2', 'COPY 9 Archive'))[0]).toMatch(/^A2 BAD /);
    expect((await client.command('A3', 'COPY 1'))[0]).toMatch(/^A3 BAD /);
  });

  it('refuses a copy that would pass the quota', async () => {
    const small = await startMessageTestBed({ config: { quota: { default: '3KB' } } });
    try {
      await small.deliver(textMessage('lớn', 'x'.repeat(1800)));
      const client = await small.login('INBOX');
      expect(await client.command('A1', 'COPY 1 Archive')).toEqual([expect.stringMatching(/^A1 NO \[OVERQUOTA\] /)]);
    } finally {
      await small.close();
    }
  });

  it('works for imapflow', async () => {
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    const result = await client.messageCopy('1', 'Drafts');
    expect(result).toMatchObject({ path: 'INBOX', destination: 'Drafts', uidMap: new Map([[uids[0], 1]]) });
  });
});
