import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;

beforeAll(async () => {
  bed = await startMessageTestBed();
});
afterAll(async () => {
  await bed?.close();
});

describe('MOVE (RFC 6851)', () => {
  it('sends COPYUID in an untagged OK before the EXPUNGE responses', async () => {
    const uids: number[] = [];
    for (const subject of ['một', 'hai', 'ba']) uids.push(await bed.deliver(textMessage(subject)));
    const client = await bed.login('INBOX');
    const watcher = await bed.login('INBOX');
    const archive = (await bed.store.getMailbox(bed.account, 'Archive'))!;
    expect(await client.command('A1', 'MOVE 1,3 Archive')).toEqual([
      `* OK [COPYUID ${archive.uidValidity} ${uids[0]},${uids[2]} ${archive.uidNext}:${archive.uidNext + 1}] Moved`,
      '* 1 EXPUNGE',
      '* 2 EXPUNGE',
      'A1 OK MOVE completed',
    ]);
    expect(await client.command('A2', 'FETCH 1:* (UID)')).toEqual([`* 1 FETCH (UID ${uids[1]})`, 'A2 OK FETCH completed']);
    // Another session learns of it at its next command, not during FETCH.
    expect(await watcher.command('W1', 'FETCH 2 (UID)')).toEqual([`* 2 FETCH (UID ${uids[1]})`, 'W1 OK FETCH completed']);
    expect(await watcher.command('W2', 'NOOP')).toEqual(['* 1 EXPUNGE', '* 2 EXPUNGE', 'W2 OK NOOP completed']);
    await client.command('A3', 'UID MOVE 1:* Trash');
  });

  it('moves by UID and answers TRYCREATE for a missing mailbox', async () => {
    const uid = await bed.deliver(textMessage('bốn'));
    const client = await bed.login('INBOX');
    expect(await client.command('A1', `UID MOVE ${uid} Nowhere`)).toEqual(['A1 NO [TRYCREATE] No such mailbox']);
    const junk = (await bed.store.getMailbox(bed.account, 'Junk'))!;
    expect(await client.command('A2', `UID MOVE ${uid} Junk`)).toEqual([
      `* OK [COPYUID ${junk.uidValidity} ${uid} ${junk.uidNext}] Moved`,
      '* 1 EXPUNGE',
      'A2 OK UID MOVE completed',
    ]);
  });

  it('refuses MOVE out of a mailbox opened with EXAMINE', async () => {
    await bed.deliver(textMessage('năm'));
    const client = await bed.login();
    await client.command('E', 'EXAMINE INBOX');
    expect(await client.command('A1', 'MOVE 1 Archive')).toEqual(['A1 NO [CANNOT] The mailbox is read-only']);
  });

  it('works for imapflow', async () => {
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    const before = (await client.fetchAll('1:*', { uid: true })).map((m) => m.uid);
    const result = await client.messageMove('1:*', 'Archive');
    expect(result && [...result.uidMap!.keys()]).toEqual(before);
    expect(client.mailbox && client.mailbox.exists).toBe(0);
  });
});
