/**
 * RFC 5182 SEARCHRES: `SEARCH RETURN (SAVE)` keeps the result, `$` stands for it in FETCH, STORE,
 * COPY, SEARCH and their UID forms; it empties on SELECT, drops expunged messages, and a failed
 * search empties it. Exact replies over a raw socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
const uids: number[] = [];

beforeAll(async () => {
  bed = await startMessageTestBed();
  for (let i = 1; i <= 5; i++) uids.push(await bed.deliver(textMessage(`Thư ${i}`, `nội dung ${i}`), { flags: i % 2 === 0 ? ['\\Flagged'] : [] }));
});
afterAll(async () => {
  await bed?.close();
});

describe('SEARCHRES', () => {
  it('saves a result without answering it, and $ names it everywhere', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'SEARCH RETURN (SAVE) FLAGGED')).toEqual(['A1 OK SEARCH completed']);
    expect(await client.command('A2', 'FETCH $ (UID)')).toEqual([`* 2 FETCH (UID ${uids[1]})`, `* 4 FETCH (UID ${uids[3]})`, 'A2 OK FETCH completed']);
    expect(await client.command('A3', 'UID FETCH $ (FLAGS)')).toEqual([
      `* 2 FETCH (UID ${uids[1]} FLAGS (\\Flagged \\Recent))`,
      `* 4 FETCH (UID ${uids[3]} FLAGS (\\Flagged \\Recent))`,
      'A3 OK UID FETCH completed',
    ]);
    expect(await client.command('A4', 'SEARCH $')).toEqual(['* SEARCH 2 4', 'A4 OK SEARCH completed']);
    expect(await client.command('A5', 'UID SEARCH UID $ NOT SEEN')).toEqual([`* SEARCH ${uids[1]} ${uids[3]}`, 'A5 OK UID SEARCH completed']);
    expect(await client.command('A6', 'STORE $ +FLAGS.SILENT (\\Seen)')).toEqual(['A6 OK STORE completed']);
    expect(await client.command('A7', 'SEARCH SEEN')).toEqual(['* SEARCH 2 4', 'A7 OK SEARCH completed']);
    expect((await client.command('A8', 'COPY $ Drafts')).at(-1)).toMatch(/^A8 OK \[COPYUID \d+ /);
  });

  it('saves only MIN/MAX when only those are asked for, and answers them', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('B1', 'SEARCH RETURN (SAVE MIN MAX) ALL')).toEqual(['* ESEARCH (TAG "B1") MIN 1 MAX 5', 'B1 OK SEARCH completed']);
    expect(await client.command('B2', 'SEARCH $')).toEqual(['* SEARCH 1 5', 'B2 OK SEARCH completed']);
    expect(await client.command('B3', 'SEARCH RETURN (SAVE MIN COUNT) 2:3')).toEqual(['* ESEARCH (TAG "B3") MIN 2 COUNT 2', 'B3 OK SEARCH completed']);
    expect(await client.command('B4', 'SEARCH $')).toEqual(['* SEARCH 2 3', 'B4 OK SEARCH completed']);
    // SORT saves too (RFC 5267 §3.2 with RFC 5182).
    expect(await client.command('B5', 'SORT RETURN (SAVE) (REVERSE ARRIVAL) UTF-8 4:5')).toEqual(['B5 OK SORT completed']);
    expect(await client.command('B6', 'SEARCH $')).toEqual(['* SEARCH 4 5', 'B6 OK SEARCH completed']);
  });

  it('starts empty in a selected mailbox and forgets expunged messages', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('C1', 'FETCH $ (UID)')).toEqual(['C1 OK FETCH completed']);
    expect(await client.command('C2', 'SEARCH $')).toEqual(['* SEARCH', 'C2 OK SEARCH completed']);
    await client.command('C3', 'SEARCH RETURN (SAVE) 4:5');
    await client.command('C4', 'STORE 4 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('C5', 'EXPUNGE')).toEqual(['* 4 EXPUNGE', 'C5 OK EXPUNGE completed']);
    expect(await client.command('C6', 'FETCH $ (UID)')).toEqual([`* 4 FETCH (UID ${uids[4]})`, 'C6 OK FETCH completed']);
    expect(await client.command('C7', 'SELECT INBOX')).toContain('C7 OK [READ-WRITE] SELECT completed');
    expect(await client.command('C8', 'SEARCH $')).toEqual(['* SEARCH', 'C8 OK SEARCH completed']);
  });

  it('empties $ when a RETURN (SAVE) command fails in its own arguments (RFC 5182 §2.1)', async () => {
    const client = await bed.login('INBOX');
    const saveAndCheck = async (tag: string) => {
      await client.command(`${tag}a`, 'SEARCH RETURN (SAVE) 1:2');
      expect(await client.command(`${tag}b`, 'SEARCH $')).toEqual(['* SEARCH 1 2', `${tag}b OK SEARCH completed`]);
    };
    await saveAndCheck('E1');
    expect(await client.command('E2', 'SEARCH RETURN (SAVE) CHARSET BOGUS SUBJECT x')).toEqual(['E2 NO [BADCHARSET (UTF-8 US-ASCII)] charset BOGUS is not supported']);
    expect(await client.command('E3', 'SEARCH $')).toEqual(['* SEARCH', 'E3 OK SEARCH completed']);
    await saveAndCheck('E4');
    expect((await client.command('E5', 'SEARCH RETURN (SAVE) NOSUCHKEY'))[0]).toMatch(/^E5 BAD /);
    expect(await client.command('E6', 'SEARCH $')).toEqual(['* SEARCH', 'E6 OK SEARCH completed']);
    await saveAndCheck('E7');
    expect((await client.command('E8', 'SORT RETURN (SAVE) (ARRIVAL) BOGUS ALL'))[0]).toMatch(/^E8 NO \[BADCHARSET /);
    expect(await client.command('E9', 'SEARCH $')).toEqual(['* SEARCH', 'E9 OK SEARCH completed']);
    // Without SAVE a failed search leaves $ alone.
    await saveAndCheck('F1');
    expect((await client.command('F2', 'SEARCH CHARSET BOGUS ALL'))[0]).toMatch(/^F2 NO \[BADCHARSET /);
    expect(await client.command('F3', 'SEARCH $')).toEqual(['* SEARCH 1 2', 'F3 OK SEARCH completed']);
  });

  it('answers BAD for $ joined to other numbers', async () => {
    const client = await bed.login('INBOX');
    expect((await client.command('D1', 'FETCH $,1 (UID)'))[0]).toMatch(/^D1 BAD /);
    expect((await client.command('D2', 'FETCH $$ (UID)'))[0]).toMatch(/^D2 BAD /);
  });
});
