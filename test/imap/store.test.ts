import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
let uids: number[];

beforeAll(async () => {
  bed = await startMessageTestBed();
  uids = [];
  for (const subject of ['một', 'hai', 'ba']) uids.push(await bed.deliver(textMessage(subject)));
  await bed.login('INBOX'); // takes \Recent, so the tests below see stored flags only
});
afterAll(async () => {
  await bed?.close();
});

describe('STORE (RFC 3501 §6.4.6)', () => {
  it('adds, removes and replaces flags and answers with the new flags', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'STORE 1:2 +FLAGS (\\Flagged $Important)')).toEqual([
      '* 1 FETCH (FLAGS (\\Flagged $Important))',
      '* 2 FETCH (FLAGS (\\Flagged $Important))',
      'A1 OK STORE completed',
    ]);
    // A message whose flags do not change is still answered (RFC 3501 §6.4.6).
    expect(await client.command('A1b', 'STORE 1 +FLAGS ($important)')).toEqual(['* 1 FETCH (FLAGS (\\Flagged $Important))', 'A1b OK STORE completed']);
    expect(await client.command('A2', 'STORE 2 -FLAGS \\Flagged')).toEqual(['* 2 FETCH (FLAGS ($Important))', 'A2 OK STORE completed']);
    expect(await client.command('A3', 'STORE 1:2 FLAGS (\\Seen)')).toEqual([
      '* 1 FETCH (FLAGS (\\Seen))',
      '* 2 FETCH (FLAGS (\\Seen))',
      'A3 OK STORE completed',
    ]);
    expect(await client.command('A4', 'STORE 1:2 FLAGS ()')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())', 'A4 OK STORE completed']);
  });

  it('is silent with .SILENT and names the UID for UID STORE', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'STORE 3 +FLAGS.SILENT (\\Answered)')).toEqual(['A1 OK STORE completed']);
    expect(await client.command('A2', `UID STORE ${uids[2]} -FLAGS (\\Answered)`)).toEqual([`* 3 FETCH (FLAGS () UID ${uids[2]})`, 'A2 OK UID STORE completed']);
  });

  it('tells another session of the change at its next command', async () => {
    const watcher = await bed.login('INBOX');
    const client = await bed.login('INBOX');
    await client.command('A1', 'STORE 1 +FLAGS.SILENT (\\Draft)');
    expect(await watcher.command('W1', 'NOOP')).toEqual([`* 1 FETCH (UID ${uids[0]} FLAGS (\\Draft))`, 'W1 OK NOOP completed']);
    expect(await client.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    await client.command('A3', 'STORE 1 -FLAGS.SILENT (\\Draft)');
  });

  it('refuses STORE in a mailbox opened with EXAMINE, and bad flags', async () => {
    const client = await bed.login();
    await client.command('E', 'EXAMINE INBOX');
    expect(await client.command('A1', 'STORE 1 +FLAGS (\\Seen)')).toEqual(['A1 NO [CANNOT] The mailbox is read-only']);
    const writer = await bed.login('INBOX');
    expect((await writer.command('A2', 'STORE 1 +FLAGS (\\Bogus)'))[0]).toMatch(/^A2 NO \[CANNOT\] unknown system flag/);
    expect((await writer.command('A3', 'STORE 1 +FLAGS'))[0]).toMatch(/^A3 BAD /);
    expect((await writer.command('A4', 'STORE 1 +KEYWORDS (x)'))[0]).toMatch(/^A4 BAD /);
    expect((await writer.command('A5', 'STORE 0 +FLAGS (x)'))[0]).toMatch(/^A5 BAD /);
  });
});

describe('STORE UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => {
  it('changes only messages not modified since, and lists the others in [MODIFIED]', async () => {
    const client = await bed.login('INBOX');
    const fetched = await client.command('A1', 'FETCH 1:3 (MODSEQ)');
    // RFC 7162 §3.1: the first CONDSTORE-enabling command with a mailbox selected reports HIGHESTMODSEQ.
    expect(fetched[0]).toMatch(/^\* OK \[HIGHESTMODSEQ \d+\] /);
    const modseqs = fetched.slice(1, 4).map((line) => Number(/MODSEQ \((\d+)\)/.exec(line)![1]));
    const other = await bed.login('INBOX');
    await other.command('B1', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    const since = Math.max(modseqs[0]!, modseqs[2]!, modseqs[1]!);
    const reply = await client.command('A2', `STORE 1:3 (UNCHANGEDSINCE ${since}) +FLAGS (\\Seen)`);
    expect(reply.at(-1)).toBe('A2 OK [MODIFIED 2] Conditional STORE failed');
    expect(reply.filter((line) => / FETCH \(FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$/.test(line)).map((line) => line.split(' ')[1])).toEqual(['1', '3']);
    const uidReply = await client.command('A3', `UID STORE ${uids[1]} (UNCHANGEDSINCE 1) +FLAGS.SILENT (\\Seen)`);
    expect(uidReply.at(-1)).toBe(`A3 OK [MODIFIED ${uids[1]}] Conditional STORE failed`);
    await client.command('A4', 'STORE 1:3 FLAGS.SILENT ()');
  });

  it('sends MODSEQ of changed messages even with .SILENT once CONDSTORE is on', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', 'STORE 1 (UNCHANGEDSINCE 4294967295) +FLAGS.SILENT (\\Answered)');
    expect(reply).toEqual([expect.stringMatching(/^\* OK \[HIGHESTMODSEQ \d+\] /), expect.stringMatching(/^\* 1 FETCH \(MODSEQ \(\d+\)\)$/), 'A1 OK STORE completed']);
    await client.command('A2', 'STORE 1 -FLAGS.SILENT (\\Answered)');
  });
});

describe('STORE with imapflow', () => {
  it('adds and removes flags', async () => {
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    expect(await client.messageFlagsAdd('1:*', ['\\Flagged'])).toBe(true);
    const flagged = await client.fetchAll('1:*', { flags: true });
    expect(flagged.map((m) => [...(m.flags ?? [])])).toEqual([['\\Flagged'], ['\\Flagged'], ['\\Flagged']]);
    expect(await client.messageFlagsRemove('1:*', ['\\Flagged'])).toBe(true);
    const cleared = await client.fetchAll('1:*', { flags: true });
    expect(cleared.map((m) => m.flags?.size)).toEqual([0, 0, 0]);
  });
});
