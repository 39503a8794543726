/**
 * RFC 5267 contexts: ESORT, PARTIAL results of SEARCH and SORT, and live searches (RETURN (UPDATE))
 * told of messages another connection appends, expunges or flags — at NOOP, inside IDLE and after
 * commands — with CANCELUPDATE, the NOUPDATE limit and positions in sort order. Exact replies over
 * raw sockets, and Python's imaplib as a real client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIVE_SEARCHES } from '../../src/imap/search/live-searches.js';
import type { MailboxInfo } from '../../src/store/types.js';
import { imaplibInInbox } from './message-fixtures.js';
import { ANNV, PASSWORD, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A mailbox of its own for each test, with messages of these subjects (in arrival order); returns it and their UIDs. */
async function mailboxWith(name: string, subjects: readonly string[]): Promise<{ box: MailboxInfo; uids: number[] }> {
  const box = await server.store.createMailbox(ANNV, name);
  const uids: number[] = [];
  for (const subject of subjects) uids.push((await server.store.append(box.id, message(subject))).uid);
  return { box, uids };
}

/** Two sessions of annv in `mailbox`: `watcher` keeps the live searches, `other` changes the mailbox. */
async function twoSessions(mailbox: string) {
  const other = await loggedIn(server);
  await other.command('os', `SELECT ${mailbox}`);
  const watcher = await loggedIn(server);
  await watcher.command('ws', `SELECT ${mailbox}`);
  return { watcher, other };
}

const esearchLines = (lines: readonly string[]) => lines.filter((line) => line.startsWith('* ESEARCH') || line.startsWith('* NO'));

/** A sequence set in its written order, a range ascending (RFC 5267 §3.2: `12:10` is 10, 11, 12). */
function expandSet(set: string): number[] {
  return set === ''
    ? []
    : set.split(',').flatMap((part) => {
        const [a, b = a] = part.split(':').map(Number) as [number, number?];
        const [low, high] = [Math.min(a, b!), Math.max(a, b!)];
        return Array.from({ length: high - low + 1 }, (_, i) => low + i);
      });
}

/** What a client does with `* ESEARCH (TAG "t") UID REMOVEFROM (pos set …) ADDTO (pos set …)`, pair by pair in order. */
function applyUpdate(list: readonly number[], line: string): number[] {
  const out = [...list];
  for (const [, kind, pairs] of line.matchAll(/(REMOVEFROM|ADDTO) \(([^)]*)\)/g)) {
    const words = pairs!.split(' ');
    for (let i = 0; i < words.length; i += 2) {
      const position = Number(words[i]);
      const numbers = expandSet(words[i + 1]!);
      if (kind === 'ADDTO') out.splice(position - 1, 0, ...numbers);
      else {
        // The run stands at that position (RFC 5267 §4.3): check it, then take it out.
        expect(out.slice(position - 1, position - 1 + numbers.length)).toEqual(numbers);
        out.splice(position - 1, numbers.length);
      }
    }
  }
  return out;
}

describe('capabilities', () => {
  it('announces ESORT, CONTEXT=SEARCH and CONTEXT=SORT after login', async () => {
    const client = await loggedIn(server);
    const [line] = await client.command('c', 'CAPABILITY');
    expect(line!.split(' ')).toEqual(expect.arrayContaining(['ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT']));
    client.close();
  });

  it('hides CONTEXT=SEARCH and CONTEXT=SORT from an account named in [imap] hide_capabilities', async () => {
    const hiding = await startImapTestServer({ imap: { hide_capabilities: [{ accounts: ['annv'], capabilities: ['CONTEXT=SEARCH', 'CONTEXT=SORT'] }] } });
    try {
      const client = await loggedIn(hiding);
      const [line] = await client.command('c', 'CAPABILITY');
      expect(line).toContain(' ESORT ');
      expect(line).not.toContain('CONTEXT=');
      client.close();
    } finally {
      await hiding.close();
    }
  });
});

describe('PARTIAL (RFC 5267 §4.4)', () => {
  it('answers a window of positions in search order and in sort order', async () => {
    const { uids } = await mailboxWith('Partial', ['delta', 'alpha', 'foxtrot', 'charlie', 'echo', 'bravo']);
    const client = await loggedIn(server);
    await client.command('s', 'SELECT Partial');
    expect(await client.command('P1', 'SEARCH RETURN (PARTIAL 2:4) ALL')).toEqual(['* ESEARCH (TAG "P1") PARTIAL (2:4 2:4)', 'P1 OK SEARCH completed']);
    expect(await client.command('P2', 'UID SEARCH RETURN (COUNT PARTIAL 5:1) ALL')).toEqual([
      `* ESEARCH (TAG "P2") UID PARTIAL (1:5 ${uids[0]}:${uids[4]}) COUNT 6`,
      'P2 OK UID SEARCH completed',
    ]);
    // Sorted by subject: alpha(2) bravo(6) charlie(4) delta(1) echo(5) foxtrot(3).
    expect(await client.command('P3', 'SORT RETURN (PARTIAL 2:4) (SUBJECT) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "P3") PARTIAL (2:4 6,4,1)', 'P3 OK SORT completed']);
    expect(await client.command('P4', 'UID SORT RETURN (PARTIAL 5:9 MIN) (SUBJECT) UTF-8 ALL')).toEqual([
      `* ESEARCH (TAG "P4") UID MIN ${uids[1]} PARTIAL (5:9 ${uids[4]},${uids[2]})`,
      'P4 OK UID SORT completed',
    ]);
    expect(await client.command('P5', 'SEARCH RETURN (PARTIAL 7:10) ALL')).toEqual(['* ESEARCH (TAG "P5") PARTIAL (7:10 NIL)', 'P5 OK SEARCH completed']);
    client.close();
  });

  it('refuses PARTIAL with ALL, twice, or from position 0', async () => {
    await mailboxWith('PartialBad', ['one']);
    const client = await loggedIn(server);
    await client.command('s', 'SELECT PartialBad');
    for (const [tag, options] of [['B1', 'PARTIAL 1:5 ALL'], ['B2', 'PARTIAL 1:2 PARTIAL 3:4'], ['B3', 'PARTIAL 0:5'], ['B4', 'PARTIAL 5']]) {
      const reply = await client.command(tag!, `SEARCH RETURN (${options}) ALL`);
      expect(reply).toHaveLength(1);
      expect(reply[0]).toMatch(new RegExp(`^${tag} BAD `));
    }
    client.close();
  });
});

describe('live searches (RFC 5267 §4.3)', () => {
  it('tells a UID search of messages another connection appends, flags and expunges, at NOOP', async () => {
    const { uids } = await mailboxWith('LiveUid', ['one', 'two', 'three']);
    const { watcher, other } = await twoSessions('LiveUid');
    expect(await watcher.command('U1', 'UID SEARCH RETURN (ALL UPDATE) UNSEEN')).toEqual([`* ESEARCH (TAG "U1") UID ALL ${uids[0]}:${uids[2]}`, 'U1 OK UID SEARCH completed']);

    await other.command('o1', 'STORE 2 +FLAGS.SILENT (\\Seen)');
    expect(await watcher.command('n1', 'NOOP')).toEqual([`* 2 FETCH (UID ${uids[1]} FLAGS (\\Seen))`, `* ESEARCH (TAG "U1") UID REMOVEFROM (0 ${uids[1]})`, 'n1 OK NOOP completed']);

    const text = message('four').toString('utf8');
    const appended = await other.command('o2', `APPEND LiveUid {${Buffer.byteLength(text)}+}\r\n${text}`);
    const newUid = Number(/APPENDUID \d+ (\d+)/.exec(appended.at(-1)!)![1]);
    expect(await watcher.command('n2', 'NOOP')).toEqual(['* 4 EXISTS', '* 0 RECENT', `* ESEARCH (TAG "U1") UID ADDTO (0 ${newUid})`, 'n2 OK NOOP completed']);

    // The REMOVEFROM comes before the EXPUNGE, as Dovecot sends it.
    await other.command('o3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await other.command('o4', 'EXPUNGE');
    expect(await watcher.command('n3', 'NOOP')).toEqual([`* ESEARCH (TAG "U1") UID REMOVEFROM (0 ${uids[0]})`, '* 1 EXPUNGE', 'n3 OK NOOP completed']);
    expect(await watcher.command('n4', 'NOOP')).toEqual(['n4 OK NOOP completed']);
    watcher.close();
    other.close();
  });

  it('updates a sequence-number search inside IDLE, and names an expunged message before its EXPUNGE', async () => {
    const { uids } = await mailboxWith('LiveIdle', ['one', 'two', 'three', 'four']);
    const { watcher, other } = await twoSessions('LiveIdle');
    expect(await watcher.command('I1', 'SEARCH RETURN (UPDATE) FLAGGED')).toEqual(['* ESEARCH (TAG "I1")', 'I1 OK SEARCH completed']);

    watcher.send('I2 IDLE\r\n');
    expect(await watcher.readLine()).toBe('+ idling');
    await other.command('o1', 'STORE 2:3 +FLAGS.SILENT (\\Flagged)');
    const during = await watcher.until((line) => line.startsWith('* ESEARCH'));
    expect(during.at(-1)).toBe('* ESEARCH (TAG "I1") ADDTO (0 2:3)');
    watcher.send('DONE\r\n');
    expect((await watcher.until((line) => line.startsWith('I2 '))).at(-1)).toBe('I2 OK IDLE terminated');

    // Message 2 is expunged (named while it is still 2); message 3, now 2, leaves the result by its flag.
    await other.command('o2', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    await other.command('o3', 'EXPUNGE');
    await other.command('o4', 'STORE 2 -FLAGS.SILENT (\\Flagged)');
    expect(await watcher.command('n1', 'NOOP')).toEqual([
      '* ESEARCH (TAG "I1") REMOVEFROM (0 2)',
      '* 2 EXPUNGE',
      `* 2 FETCH (UID ${uids[2]} FLAGS ())`,
      '* ESEARCH (TAG "I1") REMOVEFROM (0 2)',
      'n1 OK NOOP completed',
    ]);
    watcher.close();
    other.close();
  });

  it('catches up with mail that arrived before the search was answered', async () => {
    await mailboxWith('LiveBehind', ['one', 'two', 'three']);
    const { watcher, other } = await twoSessions('LiveBehind');
    const text = message('four').toString('utf8');
    await other.command('o1', `APPEND LiveBehind {${Buffer.byteLength(text)}+}\r\n${text}`);
    // The search answers for the three messages the session knows of; the fourth follows at once.
    expect(await watcher.command('B1', 'SEARCH RETURN (ALL UPDATE) UNSEEN')).toEqual([
      '* ESEARCH (TAG "B1") ALL 1:3',
      '* 4 EXISTS',
      '* 0 RECENT',
      '* ESEARCH (TAG "B1") ADDTO (0 4)',
      'B1 OK SEARCH completed',
    ]);
    // A key on sequence numbers is re-run whole: after an EXPUNGE, 2:3 names other messages.
    expect(await watcher.command('B2', 'UID SEARCH RETURN (ALL UPDATE) 2:3')).toEqual(['* ESEARCH (TAG "B2") UID ALL 2:3', 'B2 OK UID SEARCH completed']);
    await other.command('o2', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await other.command('o3', 'EXPUNGE');
    expect(esearchLines(await watcher.command('n1', 'NOOP'))).toEqual(['* ESEARCH (TAG "B1") REMOVEFROM (0 1)', '* ESEARCH (TAG "B2") UID REMOVEFROM (0 2) ADDTO (0 4)']);
    watcher.close();
    other.close();
  });

  it('adds the new MIN, MAX and COUNT when those were asked for, after the command that changed them', async () => {
    const { uids } = await mailboxWith('LiveCount', ['one', 'two', 'three']);
    const client = await loggedIn(server);
    await client.command('s', 'SELECT LiveCount');
    expect(await client.command('C1', 'UID SEARCH RETURN (UPDATE MIN COUNT) UNSEEN')).toEqual([`* ESEARCH (TAG "C1") UID MIN ${uids[0]} COUNT 3`, 'C1 OK UID SEARCH completed']);
    // The session's own UID STORE: the update comes before its tagged OK.
    expect(await client.command('C2', `UID STORE ${uids[0]} +FLAGS.SILENT (\\Seen)`)).toEqual([
      `* ESEARCH (TAG "C1") UID REMOVEFROM (0 ${uids[0]}) MIN ${uids[1]} COUNT 2`,
      'C2 OK UID STORE completed',
    ]);
    expect(await client.command('C3', `UID STORE ${uids[1]}:${uids[2]} +FLAGS.SILENT (\\Seen)`)).toEqual([
      `* ESEARCH (TAG "C1") UID REMOVEFROM (0 ${uids[1]}:${uids[2]}) COUNT 0`,
      'C3 OK UID STORE completed',
    ]);
    expect(await client.command('C4', 'NOOP')).toEqual(['C4 OK NOOP completed']);
    // RETURN (UPDATE) alone answers nothing now, only the changes later (as Dovecot).
    expect(await client.command('C5', 'SEARCH RETURN (UPDATE) SEEN')).toEqual(['* ESEARCH (TAG "C5")', 'C5 OK SEARCH completed']);
    // Updates come after a plain STORE too: ESEARCH is not EXPUNGE (RFC 3501 §7.4.1).
    expect(await client.command('C6', 'STORE 2 -FLAGS.SILENT (\\Seen)')).toEqual([
      `* ESEARCH (TAG "C1") UID ADDTO (0 ${uids[1]}) MIN ${uids[1]} COUNT 1`,
      '* ESEARCH (TAG "C5") REMOVEFROM (0 2)',
      'C6 OK STORE completed',
    ]);
    client.close();
  });

  it('keeps SAVE static while the live result moves (RFC 5182 $ is not a live search)', async () => {
    await mailboxWith('LiveSave', ['one', 'two']);
    const client = await loggedIn(server);
    await client.command('s', 'SELECT LiveSave');
    expect(await client.command('S1', 'SEARCH RETURN (SAVE UPDATE) UNFLAGGED')).toEqual(['* ESEARCH (TAG "S1")', 'S1 OK SEARCH completed']);
    expect(await client.command('S2', 'UID STORE 1:* +FLAGS.SILENT (\\Flagged)')).toEqual(['* ESEARCH (TAG "S1") REMOVEFROM (0 1:2)', 'S2 OK UID STORE completed']);
    expect(await client.command('S3', 'SEARCH $')).toEqual(['* SEARCH 1 2', 'S3 OK SEARCH completed']);
    client.close();
  });

  it('reports positions in sort order', async () => {
    // Sorted by subject: alpha(u2) bravo(u6) charlie(u4) delta(u1) echo(u5) foxtrot(u3).
    const { box, uids } = await mailboxWith('LiveSort', ['delta', 'alpha', 'foxtrot', 'charlie', 'echo', 'bravo']);
    const u = (n: number) => uids[n - 1]!;
    const { watcher, other } = await twoSessions('LiveSort');
    expect(await watcher.command('T1', 'UID SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 UNFLAGGED')).toEqual([
      `* ESEARCH (TAG "T1") UID ALL ${u(2)},${u(6)},${u(4)},${u(1)},${u(5)},${u(3)}`,
      'T1 OK UID SORT completed',
    ]);
    // alpha (position 1) and charlie, delta (positions 3-4) leave: the later run first.
    await other.command('o1', `UID STORE ${u(2)},${u(4)},${u(1)} +FLAGS.SILENT (\\Flagged)`);
    expect(esearchLines(await watcher.command('n1', 'NOOP'))).toEqual([`* ESEARCH (TAG "T1") UID REMOVEFROM (3 ${u(4)},${u(1)} 1 ${u(2)})`]);
    // alpha and delta come back: at positions 1 and 3 of alpha bravo delta echo foxtrot.
    await other.command('o2', `UID STORE ${u(2)},${u(1)} -FLAGS.SILENT (\\Flagged)`);
    expect(esearchLines(await watcher.command('n2', 'NOOP'))).toEqual([`* ESEARCH (TAG "T1") UID ADDTO (1 ${u(2)} 3 ${u(1)})`]);
    // A new message sorts in by its subject, and a sequence-number SORT counts positions the same way.
    expect(await watcher.command('T2', 'SORT RETURN (UPDATE ALL COUNT) (REVERSE SUBJECT) UTF-8 UNFLAGGED')).toEqual(['* ESEARCH (TAG "T2") ALL 3,5,1,6,2 COUNT 5', 'T2 OK SORT completed']);
    await server.store.append(box.id, message('dog'));
    expect(esearchLines(await watcher.command('n3', 'NOOP'))).toEqual([
      `* ESEARCH (TAG "T1") UID ADDTO (4 ${uids[5]! + 1})`,
      '* ESEARCH (TAG "T2") ADDTO (3 7) COUNT 6',
    ]);
    // An expunged message leaves from where it stands in each order, before its EXPUNGE.
    await other.command('o3', `UID STORE ${u(5)} +FLAGS.SILENT (\\Deleted)`);
    await other.command('o4', `UID EXPUNGE ${u(5)}`);
    expect(await watcher.command('n4', 'NOOP')).toEqual([
      `* ESEARCH (TAG "T1") UID REMOVEFROM (5 ${u(5)})`,
      '* ESEARCH (TAG "T2") REMOVEFROM (2 5) COUNT 5',
      '* 5 EXPUNGE',
      'n4 OK NOOP completed',
    ]);
    watcher.close();
    other.close();
  });

  it('keeps a client that applies the updates in step with a fresh SORT, through random changes', async () => {
    const subjects = ['kilo', 'alpha', 'Đào', 'dao', 'mike', 'bravo', 'echo', 'alpha', 'zulu', 'lima', 'Ánh', 'delta'];
    const { box } = await mailboxWith('LiveRandom', subjects);
    const { watcher, other } = await twoSessions('LiveRandom');
    const command = 'UID SORT RETURN (ALL UPDATE) (SUBJECT REVERSE ARRIVAL) UTF-8 UNFLAGGED UNDELETED';
    const fresh = async (tag: string) => {
      const [line] = await watcher.command(tag, command.replace('ALL UPDATE', 'ALL'));
      return expandSet(/ ALL (\S+)$/.exec(line!)?.[1] ?? '');
    };
    let mirror = expandSet(/ ALL (\S+)$/.exec((await watcher.command('R0', command))[0]!)![1]!);
    let state = 12345;
    const random = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
    // Three expunges at most: messages 1 to 9 always exist.
    for (let round = 1; round <= 12; round++) {
      await other.command(`o${round}`, `STORE ${[1 + random(9), 1 + random(9), 1 + random(9)].join(',')} +FLAGS.SILENT (\\Flagged)`);
      await other.command(`u${round}`, `STORE ${[1 + random(9), 1 + random(9), 1 + random(9)].join(',')} -FLAGS.SILENT (\\Flagged)`);
      if (round % 4 === 0) {
        await other.command(`d${round}`, `STORE ${1 + random(9)} +FLAGS.SILENT (\\Deleted)`);
        await other.command(`e${round}`, 'EXPUNGE');
      }
      await server.store.append(box.id, message(['alpha', 'oscar', 'dao', 'zulu'][random(4)]));
      for (const line of esearchLines(await watcher.command(`n${round}`, 'NOOP'))) mirror = applyUpdate(mirror, line);
      expect(mirror).toEqual(await fresh(`F${round}`));
    }
    watcher.close();
    other.close();
  });

  it('stops with CANCELUPDATE, with the mailbox, and refuses a search past the limit with NOUPDATE', async () => {
    await mailboxWith('LiveLimit', ['one', 'two']);
    const { watcher, other } = await twoSessions('LiveLimit');
    for (let i = 1; i <= MAX_LIVE_SEARCHES; i++) {
      expect(await watcher.command(`L${i}`, 'SEARCH RETURN (UPDATE COUNT) SEEN')).toEqual([`* ESEARCH (TAG "L${i}") COUNT 0`, `L${i} OK SEARCH completed`]);
    }
    expect(await watcher.command('X1', 'SEARCH RETURN (UPDATE COUNT) SEEN')).toEqual([
      '* NO [NOUPDATE "X1"] Too many live searches in this mailbox; this one is not kept up to date',
      '* ESEARCH (TAG "X1") COUNT 0',
      'X1 OK SEARCH completed',
    ]);
    expect(await watcher.command('X2', 'CANCELUPDATE "L1" "L2"')).toEqual(['X2 OK CANCELUPDATE completed']);
    // An unknown tag is NO (the command is well-formed); the known ones are cancelled all the same.
    expect(await watcher.command('X3', 'CANCELUPDATE "X1" "L3"')).toEqual(['X3 NO No live search with tag "X1"']);
    await other.command('o1', 'STORE 1 +FLAGS.SILENT (\\Seen)');
    const updated = esearchLines(await watcher.command('n1', 'NOOP'));
    expect(updated).toEqual(Array.from({ length: MAX_LIVE_SEARCHES - 3 }, (_, i) => `* ESEARCH (TAG "L${i + 4}") ADDTO (0 1) COUNT 1`));
    // Reselecting ends every live search of the mailbox.
    await watcher.command('r', 'SELECT LiveLimit');
    await other.command('o2', 'STORE 2 +FLAGS.SILENT (\\Seen)');
    expect(esearchLines(await watcher.command('n2', 'NOOP'))).toEqual([]);
    expect((await watcher.command('X4', 'CANCELUPDATE "L4"'))[0]).toMatch(/^X4 NO /);
    watcher.close();
    other.close();
  });
});

describe('on a search worker thread', () => {
  it('keeps live searches of a mailbox searched off the event loop ([imap] search_worker_above)', async () => {
    const offloaded = await startImapTestServer({ imap: { search_worker_above: 0 } });
    try {
      const box = await offloaded.store.createMailbox(ANNV, 'Worker');
      const uids: number[] = [];
      for (const subject of ['delta', 'alpha', 'charlie']) uids.push((await offloaded.store.append(box.id, message(subject))).uid);
      const client = await loggedIn(offloaded);
      await client.command('s', 'SELECT Worker');
      expect(await client.command('W1', 'UID SEARCH RETURN (ALL UPDATE) UNFLAGGED')).toEqual([`* ESEARCH (TAG "W1") UID ALL ${uids[0]}:${uids[2]}`, 'W1 OK UID SEARCH completed']);
      expect(await client.command('W2', 'SORT RETURN (ALL UPDATE) (SUBJECT) UTF-8 UNFLAGGED')).toEqual(['* ESEARCH (TAG "W2") ALL 2:3,1', 'W2 OK SORT completed']);
      expect(await client.command('W3', 'STORE 3 +FLAGS.SILENT (\\Flagged)')).toEqual([
        `* ESEARCH (TAG "W1") UID REMOVEFROM (0 ${uids[2]})`,
        '* ESEARCH (TAG "W2") REMOVEFROM (2 3)',
        'W3 OK STORE completed',
      ]);
      client.close();
    } finally {
      await offloaded.close();
    }
  });
});

describe('with a real client', () => {
  it('Python imaplib sends ESORT and PARTIAL and reads the ESEARCH answers', async () => {
    await mailboxWith('Imaplib', ['delta', 'alpha', 'charlie', 'bravo']);
    const printed = await imaplibInInbox({ server: server.server, user: { address: ANNV, password: PASSWORD } }, [
      'c.select("Imaplib")',
      'print(c.capability()[1][0].decode().split().count("CONTEXT=SORT"))',
      'typ, data = c._simple_command("SORT", "RETURN", "(MIN MAX COUNT)", "(SUBJECT)", "UTF-8", "ALL")',
      'print(typ, c.untagged_responses.pop("ESEARCH", [b""])[0].decode())',
      'typ, data = c._simple_command("SEARCH", "RETURN", "(PARTIAL 2:3)", "ALL")',
      'print(typ, c.untagged_responses.pop("ESEARCH", [b""])[0].decode())',
    ]);
    expect(printed[0]).toBe('1');
    expect(printed[1]).toMatch(/^OK \(TAG "[A-Z0-9]+"\) MIN 2 MAX 1 COUNT 4$/);
    expect(printed[2]).toMatch(/^OK \(TAG "[A-Z0-9]+"\) PARTIAL \(2:3 2:3\)$/);
  });
});
