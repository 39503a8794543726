/**
 * ENABLE IMAP4rev2 (RFC 9051 §6.3.1): the session then follows RFC 9051 where it differs from
 * RFC 3501 (Appendix E): no \Recent and no RECENT responses, SELECT answers with LIST and without
 * UNSEEN, SEARCH answers ESEARCH, mailbox names travel in UTF-8. A session that did not ENABLE it
 * is unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
  const box = await server.store.createMailbox(ANNV, 'Thư đến');
  await server.store.append(box.id, message('một'));
  await server.store.append(box.id, message('hai'));
  await server.store.createMailbox(ANNV, 'Dự án/Cầu Cần Thơ');
});
afterAll(async () => {
  await server.close();
});

const withoutText = (lines: readonly string[]): string[] => lines.map((l) => l.replace(/^(\S+ (?:OK|NO|BAD)(?: \[[^\]]*\])?).*$/, '$1'));

describe('IMAP4rev2 (RFC 9051)', () => {
  test('is announced exactly where BINARY is (RFC 9051 makes BINARY part of the base protocol)', async () => {
    const client = await loggedIn(server);
    const [line] = await client.command('c', 'CAPABILITY');
    const list = line!.split(' ');
    expect(list).toContain('IMAP4rev1');
    expect(list.includes('IMAP4rev2')).toBe(list.includes('BINARY'));
    client.close();
  });

  test('ENABLE IMAP4rev2 is answered ENABLED, once, and not once a mailbox is selected', async () => {
    const client = await loggedIn(server);
    expect(await client.command('e1', 'ENABLE imap4rev2')).toEqual(['* ENABLED IMAP4rev2', 'e1 OK ENABLE completed']);
    expect(await client.command('e2', 'ENABLE IMAP4rev2')).toEqual(['* ENABLED', 'e2 OK ENABLE completed']);
    client.close();
    const selected = await loggedIn(server);
    await selected.command('s', 'SELECT INBOX');
    expect(await selected.command('e', 'ENABLE IMAP4rev2')).toEqual(['e BAD ENABLE is not valid in the selected state']);
    selected.close();
  });

  test('SELECT: a LIST response with the UTF-8 name, no RECENT, no UNSEEN; FETCH FLAGS without \\Recent', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    const select = withoutText(await client.command('s', 'SELECT "Thư đến"'));
    expect(select.filter((l) => !/UIDVALIDITY|HIGHESTMODSEQ/.test(l))).toEqual([
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
      '* 2 EXISTS',
      '* LIST (\\HasNoChildren) "/" "Thư đến"',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]',
      '* OK [UIDNEXT 3]',
      's OK [READ-WRITE]',
    ]);
    expect(await client.command('f', 'FETCH 1:* FLAGS')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())', 'f OK FETCH completed']);
    client.close();
  });

  test('SELECT of a special-use folder names its attribute in the LIST response', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    expect((await client.command('s', 'EXAMINE Sent')).filter((l) => l.startsWith('* LIST'))).toEqual(['* LIST (\\HasNoChildren \\Sent) "/" "Sent"']);
    client.close();
  });

  test('new mail is announced with EXISTS alone, and \\Recent stays for an RFC 3501 session', async () => {
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const rev2 = await loggedIn(server);
    await rev2.command('e', 'ENABLE IMAP4rev2');
    const before = await rev2.command('s', 'SELECT INBOX');
    const exists = Number(/^\* (\d+) EXISTS/.exec(before.find((l) => l.endsWith(' EXISTS'))!)![1]);
    await server.store.append(inbox.id, message('mới'));
    expect(await rev2.command('n', 'NOOP')).toEqual([`* ${exists + 1} EXISTS`, 'n OK NOOP completed']);

    const rev1 = await loggedIn(server);
    const select = await rev1.command('s', 'SELECT INBOX');
    expect(select).toContain(`* ${exists + 1} EXISTS`);
    expect(select.some((l) => /^\* [1-9]\d* RECENT$/.test(l))).toBe(true);
    rev1.close();
    rev2.close();
  });

  test('SEARCH and UID SEARCH answer ESEARCH (RFC 9051 §6.4.4), also with no match', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    await client.command('s', 'EXAMINE "Thư đến"');
    expect(await client.command('a', 'SEARCH ALL')).toEqual(['* ESEARCH (TAG "a") ALL 1:2', 'a OK SEARCH completed']);
    expect(await client.command('b', 'UID SEARCH 2')).toEqual(['* ESEARCH (TAG "b") UID ALL 2', 'b OK UID SEARCH completed']);
    expect(await client.command('c', 'SEARCH SUBJECT nowhere-to-be-found')).toEqual(['* ESEARCH (TAG "c")', 'c OK SEARCH completed']);
    expect(await client.command('d', 'SEARCH RETURN (COUNT) ALL')).toEqual(['* ESEARCH (TAG "d") COUNT 2', 'd OK SEARCH completed']);
    client.close();
  });

  test('LIST and STATUS name mailboxes in UTF-8, and STATUS has DELETED and SIZE', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    expect(await client.command('l', 'LIST "" "Thư*"')).toEqual(['* LIST (\\HasNoChildren) "/" "Thư đến"', 'l OK LIST completed']);
    const [status] = await client.command('t', 'STATUS "Thư đến" (MESSAGES DELETED SIZE)');
    expect(status).toMatch(/^\* STATUS "Thư đến" \(MESSAGES 2 DELETED 0 SIZE \d+\)$/);
    client.close();
  });

  test('an RFC 3501 session is unchanged: RECENT, SEARCH, modified UTF-7', async () => {
    const client = await loggedIn(server);
    const select = await client.command('s', 'EXAMINE "Th&AbA- &AREevw-n"');
    expect(select).toContain('* 2 EXISTS');
    expect(select.some((l) => / RECENT$/.test(l))).toBe(true);
    expect(select.some((l) => l.startsWith('* LIST'))).toBe(false);
    expect(await client.command('a', 'SEARCH ALL')).toEqual(['* SEARCH 1 2', 'a OK SEARCH completed']);
    client.close();
  });

  test('SELECT of a parent names \HasChildren in its LIST response (RFC 9051 §6.3.2: attributes accurate)', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    expect((await client.command('s', 'EXAMINE "Dự án"')).filter((l) => l.startsWith('* LIST'))).toEqual(['* LIST (\\HasChildren) "/" "Dự án"']);
    client.close();
  });

  test('every LIST response carries \HasChildren or \HasNoChildren, also under SUBSCRIBED and for "%"', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    expect(await client.command('l', 'LIST "" "Dự án%"')).toEqual(['* LIST (\\HasChildren) "/" "Dự án"', 'l OK LIST completed']);
    await client.command('u', 'SUBSCRIBE "Dự án/Cầu Cần Thơ"');
    expect(await client.command('m', 'LIST (SUBSCRIBED) "" "Dự án/*"')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Dự án/Cầu Cần Thơ"',
      'm OK LIST completed',
    ]);
    await client.command('v', 'UNSUBSCRIBE "Dự án/Cầu Cần Thơ"');
    client.close();
  });

  test('SEARCH RECENT, NEW and OLD are BAD (RFC 9051 §6.4.4 has no \Recent keys), and leave $ as it was', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    await client.command('s', 'EXAMINE "Thư đến"');
    expect(await client.command('v', 'SEARCH RETURN (SAVE) 2')).toEqual(['v OK SEARCH completed']);
    for (const key of ['RECENT', 'NEW', 'OLD', 'NOT (SEEN OR 1 RECENT)']) {
      expect(withoutText(await client.command('a', `SEARCH RETURN (SAVE) ${key}`))).toEqual(['a BAD']);
      expect(withoutText(await client.command('b', `UID SORT (ARRIVAL) UTF-8 ${key}`))).toEqual(['b BAD']);
    }
    expect(await client.command('f', 'FETCH $ UID')).toEqual(['* 2 FETCH (UID 2)', 'f OK FETCH completed']);
    expect(await client.command('u', 'SEARCH UNSEEN')).toEqual(['* ESEARCH (TAG "u") ALL 1:2', 'u OK SEARCH completed']);
    client.close();

    const rev1 = await loggedIn(server);
    await rev1.command('s', 'EXAMINE "Th&AbA- &AREevw-n"');
    expect(await rev1.command('o', 'SEARCH RECENT')).toEqual(['* SEARCH 1 2', 'o OK SEARCH completed']);
    rev1.close();
  });

  test('STATUS RECENT, LSUB and CHECK are BAD after ENABLE IMAP4rev2 (Appendix E items 12, 17, 19)', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    expect(await client.command('a', 'STATUS "Thư đến" (MESSAGES RECENT)')).toEqual([
      'a BAD STATUS RECENT is not part of IMAP4rev2 (RFC 9051 Appendix E); use UIDNEXT',
    ]);
    expect(withoutText(await client.command('b', 'LIST "" "Thư*" RETURN (STATUS (RECENT))'))).toEqual(['b BAD']);
    expect(await client.command('c', 'LSUB "" "*"')).toEqual(['c BAD LSUB is not part of IMAP4rev2 (RFC 9051 Appendix E); use LIST (SUBSCRIBED)']);
    await client.command('s', 'EXAMINE "Thư đến"');
    expect(await client.command('d', 'CHECK')).toEqual(['d BAD CHECK is not part of IMAP4rev2 (RFC 9051 Appendix E); use NOOP']);
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    client.close();

    const rev1 = await loggedIn(server);
    expect((await rev1.command('a', 'STATUS "Th&AbA- &AREevw-n" (RECENT)'))[0]).toMatch(/^\* STATUS "Th&AbA- &AREevw-n" \(RECENT \d+\)$/);
    expect((await rev1.command('c', 'LSUB "" "INBOX"')).at(-1)).toBe('c OK LSUB completed');
    await rev1.command('s', 'EXAMINE INBOX');
    expect(await rev1.command('d', 'CHECK')).toEqual(['d OK CHECK completed']);
    rev1.close();
  });

  test('ESEARCH shapes: UID with no match, MIN/MAX with no match, SAVE alone answers nothing', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    await client.command('s', 'EXAMINE "Thư đến"');
    expect(await client.command('a', 'UID SEARCH DELETED')).toEqual(['* ESEARCH (TAG "a") UID', 'a OK UID SEARCH completed']);
    expect(await client.command('b', 'SEARCH RETURN (MIN MAX COUNT) DELETED')).toEqual(['* ESEARCH (TAG "b") COUNT 0', 'b OK SEARCH completed']);
    expect(await client.command('c', 'UID SEARCH RETURN (MIN MAX) ALL')).toEqual(['* ESEARCH (TAG "c") UID MIN 1 MAX 2', 'c OK UID SEARCH completed']);
    expect(await client.command('d', 'SEARCH RETURN (SAVE) ALL')).toEqual(['d OK SEARCH completed']);
    client.close();
  });

  test('UID EXPUNGE, STATUS DELETED, OK [CLOSED] and unsolicited FETCH with UID (Appendix E items 2, 3, 9, 21)', async () => {
    const box = await server.store.createMailbox(ANNV, 'Xoa');
    for (const subject of ['a', 'b', 'c']) await server.store.append(box.id, message(subject));
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE IMAP4rev2');
    await client.command('s', 'SELECT "Xoa"');
    await client.command('d', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('t', 'STATUS "Xoa" (MESSAGES DELETED)')).toEqual(['* STATUS "Xoa" (MESSAGES 3 DELETED 2)', 't OK STATUS completed']);
    expect(await client.command('x', 'UID EXPUNGE 2:3')).toEqual(['* 2 EXPUNGE', 'x OK UID EXPUNGE completed']);

    const other = await loggedIn(server);
    await other.command('s', 'SELECT "Xoa"');
    await other.command('f', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    other.close();
    expect(await client.command('n', 'NOOP')).toEqual(['* 2 FETCH (UID 3 FLAGS (\\Flagged))', 'n OK NOOP completed']);

    const switched = await client.command('s2', 'SELECT "Thư đến"');
    expect(switched[0]).toBe('* OK [CLOSED] Previous mailbox closed');
    const failed = await client.command('s3', 'SELECT "Không có"');
    expect(withoutText(failed)).toEqual(['* OK [CLOSED]', 's3 NO [NONEXISTENT]']);
    expect(withoutText(await client.command('f', 'FETCH 1 UID'))).toEqual(['f BAD']);
    client.close();
  });
});
