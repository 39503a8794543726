/**
 * Differential test against Dovecot (Debian's dovecot-imapd, the server cantho-mail replaces):
 * the same scripted raw sessions run against a private Dovecot (bench/reference/dovecot.ts) and
 * against our server, both filled by the same APPENDs; responses are normalised (see `normalise`)
 * and compared step by step. Where the two differ on purpose, ACCEPTED below holds both answers
 * and the RFC section that justifies ours, so a change on either side shows up.
 *
 * Skips, saying why, when dovecot-imapd is not installed or we are not root (Dovecot's master
 * must start as root; CI installs it and runs as root).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isDebianPackageInstalled } from '../../bench/reference/packages.js';
import { startDovecot, type RunningDovecot } from '../../bench/reference/dovecot.js';
import { RawClient, PASSWORD, startImapTestServer, type ImapTestServer } from '../imap/support.js';

const unavailable = !(await isDebianPackageInstalled('dovecot-imapd'))
  ? 'dovecot-imapd is not installed (apt-get install dovecot-imapd)'
  : process.getuid?.() !== 0
    ? "not root: Dovecot's master must be started as root"
    : null;

/** A message from `lines` (CRLF), as a LITERAL+ APPEND argument. */
function literal(text: string): string {
  return `{${Buffer.byteLength(text)}+}\r\n${text}`;
}

function mail(headers: readonly string[], body: string): string {
  return [...headers, '', body, ''].join('\r\n');
}

const MESSAGES: readonly { flags: string; date: string; raw: string }[] = [
  {
    flags: '(\\Seen)',
    date: '"01-Nov-2026 08:00:00 +0700"',
    raw: mail(
      ['From: Sender <sender-from@example.org>', 'To: Nguyen Van An <annv@cantho.gov.vn>', 'Subject: Beautiful world', 'Date: Sun, 01 Nov 2026 08:00:00 +0700', 'Message-ID: <m1@example.org>', 'X-Custom: zebra-crossing', 'X-Extra: first', 'X-Extra: another one'],
      'zxcvbnm qwerty\r\nmail to info@example.org costs 100%',
    ),
  },
  {
    flags: '()',
    date: '"02-Nov-2026 09:30:00 +0700"',
    raw: mail(
      ['From: =?UTF-8?B?VHLhuqduIFRo4buLIMSQw6Bv?= <daott@cantho.gov.vn>', 'To: annv@cantho.gov.vn', 'Cc: chilt@cantho.gov.vn', 'Subject: =?UTF-8?Q?B=C3=A1o_c=C3=A1o_tu=E1=BA=A7n?=', 'Date: Mon, 02 Nov 2026 09:30:00 +0700', 'Message-ID: <m2@cantho.gov.vn>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
      'Kính gửi anh An,\r\nxin gửi báo cáo tuần.',
    ),
  },
  {
    flags: '(\\Flagged $Work)',
    date: '"03-Nov-2026 10:00:00 +0000"',
    raw: mail(
      ['From: daott@cantho.gov.vn', 'To: annv@cantho.gov.vn', 'Subject: Re: =?UTF-8?Q?B=C3=A1o_c=C3=A1o_tu=E1=BA=A7n?=', 'Date: Tue, 03 Nov 2026 17:00:00 +0700', 'Message-ID: <m3@cantho.gov.vn>', 'In-Reply-To: <m2@cantho.gov.vn>', 'References: <m2@cantho.gov.vn>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'],
      ['--b1', 'Content-Type: text/plain; charset=us-ascii', '', 'See the attachment.', '--b1', 'Content-Type: application/pdf; name="r.pdf"', 'Content-Disposition: attachment; filename="r.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQKJcfsj6IK', '--b1--'].join('\r\n'),
    ),
  },
  {
    flags: '(\\Answered)',
    date: '"04-Nov-2026 11:00:00 +0700"',
    raw: mail(
      ['From: Zed <zed@example.net>', 'To: annv@cantho.gov.vn', 'Subject: aardvark', 'Date: Wed, 04 Nov 2026 11:00:00 +0700', 'Message-ID: <m4@example.net>'],
      'short',
    ),
  },
];

interface Step {
  readonly name: string;
  readonly command: string;
  /** RFC 3501 §7.3.1 / §7.1: the untagged answers of SELECT and EXAMINE come in no set order. */
  readonly unordered?: boolean;
}

/** Run in order on one connection, after LOGIN; each step's tag is `t<index>`. */
const STEPS: readonly Step[] = [
  { name: 'create a folder', command: 'CREATE diff' },
  { name: 'create a child folder', command: 'CREATE diff/sub' },
  { name: 'create an empty folder', command: 'CREATE empty' },
  { name: 'create an existing folder', command: 'CREATE diff' },
  ...MESSAGES.map((m, i) => ({ name: `append message ${i + 1}`, command: `APPEND INBOX ${m.flags} ${m.date} ${literal(m.raw)}` })),
  { name: 'subscribe', command: 'SUBSCRIBE diff/sub' },
  { name: 'LIST a pattern', command: 'LIST "" "diff*"' },
  { name: 'LIST one level', command: 'LIST "" "diff/%"' },
  { name: 'LIST the separator', command: 'LIST "" ""' },
  { name: 'LIST SUBSCRIBED', command: 'LIST (SUBSCRIBED) "" "diff*"' },
  { name: 'LIST SUBSCRIBED RECURSIVEMATCH', command: 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "diff"' },
  { name: 'LIST RETURN CHILDREN', command: 'LIST "" "diff*" RETURN (CHILDREN)' },
  { name: 'LIST RETURN STATUS', command: 'LIST "" "empty" RETURN (STATUS (MESSAGES UNSEEN))' },
  { name: 'LSUB', command: 'LSUB "" "diff*"' },
  { name: 'STATUS of INBOX', command: 'STATUS INBOX (MESSAGES UIDNEXT UNSEEN)' },
  { name: 'STATUS of an empty folder', command: 'STATUS empty (MESSAGES UIDNEXT UNSEEN SIZE)' },
  { name: 'STATUS of a missing folder', command: 'STATUS nosuch (MESSAGES)' },
  { name: 'SELECT an empty folder', command: 'SELECT empty', unordered: true },
  { name: 'FETCH 1:* in an empty folder', command: 'FETCH 1:* FLAGS' },
  { name: 'SEARCH ALL in an empty folder', command: 'SEARCH ALL' },
  { name: 'UID SEARCH ALL in an empty folder', command: 'UID SEARCH ALL' },
  { name: 'UID FETCH 1:* in an empty folder', command: 'UID FETCH 1:* FLAGS' },
  { name: 'FETCH * in an empty folder', command: 'FETCH * FLAGS' },
  { name: 'STORE 1:* in an empty folder', command: 'STORE 1:* +FLAGS (\\Seen)' },
  { name: 'SEARCH with * in an empty folder', command: 'SEARCH 1:*' },
  { name: 'EXAMINE INBOX', command: 'EXAMINE INBOX', unordered: true },
  { name: 'FETCH flags, UID, size, date', command: 'FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)' },
  { name: 'FETCH ENVELOPE (encoded words)', command: 'FETCH 2 ENVELOPE' },
  { name: 'FETCH ENVELOPE (reply)', command: 'FETCH 3 ENVELOPE' },
  { name: 'FETCH BODYSTRUCTURE (multipart)', command: 'FETCH 3 BODYSTRUCTURE' },
  { name: 'FETCH BODY (single part)', command: 'FETCH 2 BODY' },
  { name: 'FETCH header fields', command: 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT X-EXTRA)])' },
  { name: 'FETCH a partial text', command: 'FETCH 1 (BODY.PEEK[TEXT]<0.7>)' },
  { name: 'FETCH a part MIME header', command: 'FETCH 3 (BODY.PEEK[2.MIME])' },
  { name: 'FETCH a part', command: 'FETCH 3 (BODY.PEEK[1])' },
  { name: 'FETCH *:2', command: 'FETCH *:2 UID' },
  { name: 'UID FETCH past the end', command: 'UID FETCH 3:99 UID' },
  { name: 'FETCH past the end', command: 'FETCH 9 FLAGS' },
  { name: 'FETCH sequence 0', command: 'FETCH 0 FLAGS' },
  { name: 'SEARCH FROM substring', command: 'SEARCH FROM ser-fro' },
  { name: 'SEARCH SUBJECT substring', command: 'SEARCH SUBJECT "eautiful worl"' },
  { name: 'SEARCH BODY substring', command: 'SEARCH BODY xcvbn' },
  { name: 'SEARCH TEXT in any header', command: 'SEARCH TEXT zebra' },
  { name: 'SEARCH HEADER second field', command: 'SEARCH HEADER X-Extra another' },
  { name: 'SEARCH BODY punctuation', command: 'SEARCH BODY "@"' },
  { name: 'SEARCH BODY percent', command: 'SEARCH BODY "%"' },
  { name: 'SEARCH non-ASCII SUBJECT', command: `SEARCH CHARSET UTF-8 SUBJECT ${literal('báo cáo')}` },
  { name: 'SEARCH non-ASCII BODY', command: `SEARCH CHARSET UTF-8 BODY ${literal('Kính gửi')}` },
  { name: 'SEARCH unknown charset', command: 'SEARCH CHARSET X-NOSUCH SUBJECT a' },
  { name: 'SEARCH flags', command: 'SEARCH SEEN' },
  { name: 'SEARCH UNSEEN NOT ANSWERED', command: 'SEARCH UNSEEN NOT ANSWERED' },
  { name: 'SEARCH KEYWORD', command: 'SEARCH KEYWORD $Work' },
  { name: 'SEARCH OR', command: 'SEARCH OR FROM zed TO chilt' },
  { name: 'SEARCH LARGER', command: 'SEARCH LARGER 300' },
  { name: 'SEARCH SENTBEFORE', command: 'SEARCH SENTBEFORE 3-Nov-2026' },
  { name: 'SEARCH SINCE', command: 'SEARCH SINCE 3-Nov-2026' },
  { name: 'SEARCH a sequence set with *', command: 'SEARCH 2:* NOT FLAGGED' },
  { name: 'UID SEARCH UID range', command: 'UID SEARCH UID 2:*' },
  { name: 'SEARCH RETURN MIN MAX COUNT', command: 'SEARCH RETURN (MIN MAX COUNT) ALL' },
  { name: 'SEARCH RETURN ()', command: 'SEARCH RETURN () NOT SEEN' },
  { name: 'SEARCH an unknown key', command: 'SEARCH FOOBAR' },
  { name: 'SORT SUBJECT', command: 'SORT (SUBJECT) UTF-8 ALL' },
  { name: 'SORT REVERSE DATE', command: 'SORT (REVERSE DATE) UTF-8 ALL' },
  { name: 'SORT FROM', command: 'SORT (FROM) UTF-8 ALL' },
  { name: 'SORT SIZE', command: 'SORT (SIZE) UTF-8 ALL' },
  { name: 'SORT ARRIVAL with a search', command: 'SORT (REVERSE ARRIVAL) UTF-8 NOT SEEN' },
  { name: 'THREAD REFERENCES', command: 'THREAD REFERENCES UTF-8 ALL' },
  { name: 'THREAD ORDEREDSUBJECT', command: 'THREAD ORDEREDSUBJECT UTF-8 ALL' },
  { name: 'STORE in a read-only mailbox', command: 'STORE 1 +FLAGS (\\Flagged)' },
  { name: 'SELECT INBOX', command: 'SELECT INBOX', unordered: true },
  { name: 'STORE +FLAGS', command: 'STORE 1 +FLAGS (\\Flagged)' },
  { name: 'STORE FLAGS.SILENT', command: 'STORE 2 FLAGS.SILENT (\\Seen $Done)' },
  { name: 'UID STORE -FLAGS', command: 'UID STORE 3 -FLAGS ($Work)' },
  { name: 'STORE to *', command: 'STORE 3:* +FLAGS (\\Draft)' },
  { name: 'FETCH flags after STORE', command: 'FETCH 1:* FLAGS' },
  { name: 'COPY', command: 'COPY 1:2 diff' },
  { name: 'UID COPY to a missing folder', command: 'UID COPY 1 nosuch' },
  { name: 'MOVE', command: 'MOVE 4 diff/sub' },
  { name: 'STORE \\Deleted', command: 'STORE 1 +FLAGS.SILENT (\\Deleted)' },
  { name: 'EXPUNGE', command: 'EXPUNGE' },
  { name: 'FETCH after EXPUNGE', command: 'FETCH 1:* (UID FLAGS)' },
  { name: 'UID FETCH an expunged UID', command: 'UID FETCH 1 FLAGS' },
  { name: 'UID SEARCH an expunged UID', command: 'UID SEARCH UID 1' },
  { name: 'UID SEARCH UID *', command: 'UID SEARCH UID *' },
  { name: 'UID STORE an expunged UID', command: 'UID STORE 1 +FLAGS (\\Seen)' },
  { name: 'UID MOVE', command: 'UID MOVE 3 diff' },
  { name: 'COPY past the end', command: 'COPY 99 diff' },
  { name: 'FETCH an unclosed list', command: 'FETCH 1 (FLAGS' },
  { name: 'STORE without flags', command: 'STORE 1 +FLAGS' },
  { name: 'STORE \\Recent', command: 'STORE 1 +FLAGS (\\Recent)' },
  { name: 'an unknown UID command', command: 'UID FROB 1' },
  { name: 'STATUS with no items', command: 'STATUS INBOX ()' },
  { name: 'STATUS with an unknown item', command: 'STATUS INBOX (FOO)' },
  { name: 'APPEND to a missing folder', command: `APPEND nosuch (\\Seen) ${literal('Subject: x\r\n\r\nx\r\n')}` },
  { name: 'CREATE an empty name', command: 'CREATE ""' },
  { name: 'STATUS of the copy target', command: 'STATUS diff (MESSAGES UIDNEXT UNSEEN)' },
  // RFC 5267 contexts, in INBOX (one message left: UID 2, \\Seen) with three more.
  ...['kilo', 'juliet', 'lima'].map((subject) => ({ name: `append ${subject}`, command: `APPEND INBOX ${literal(mail([`Subject: ${subject}`], subject))}` })),
  { name: 'SEARCH RETURN PARTIAL', command: 'SEARCH RETURN (PARTIAL 2:3) ALL' },
  { name: 'UID SEARCH RETURN COUNT PARTIAL', command: 'UID SEARCH RETURN (COUNT PARTIAL 1:2) ALL' },
  { name: 'SEARCH RETURN PARTIAL past the end', command: 'SEARCH RETURN (PARTIAL 7:9) ALL' },
  { name: 'SEARCH RETURN PARTIAL with ALL', command: 'SEARCH RETURN (PARTIAL 1:2 ALL) ALL' },
  { name: 'SORT RETURN PARTIAL', command: 'SORT RETURN (PARTIAL 2:4) (SUBJECT) UTF-8 ALL' },
  { name: 'UID SORT RETURN MIN MAX', command: 'UID SORT RETURN (MIN MAX) (SUBJECT) UTF-8 ALL' },
  { name: 'SEARCH RETURN CONTEXT', command: 'SEARCH RETURN (CONTEXT) UNSEEN' },
  { name: 'UID SEARCH RETURN ALL UPDATE', command: 'UID SEARCH RETURN (ALL UPDATE) UNSEEN' },
  { name: 'SEARCH RETURN UPDATE', command: 'SEARCH RETURN (UPDATE) SEEN' },
  { name: 'SEARCH RETURN UPDATE COUNT', command: 'SEARCH RETURN (UPDATE COUNT) UNSEEN' },
  { name: 'UID STORE under live searches', command: 'UID STORE 5 +FLAGS.SILENT (\\Seen)' },
  { name: 'APPEND under live searches', command: `APPEND INBOX ${literal(mail(['Subject: mike'], 'mike'))}` },
  { name: 'STORE \\Deleted under live searches', command: 'STORE 3 +FLAGS.SILENT (\\Deleted)' },
  { name: 'EXPUNGE under live searches', command: 'EXPUNGE' },
  { name: 'CANCELUPDATE', command: 'CANCELUPDATE "{tag of SEARCH RETURN UPDATE COUNT}"' },
  { name: 'CANCELUPDATE an unknown tag', command: 'CANCELUPDATE "nosuch"' },
  { name: 'STORE after CANCELUPDATE', command: 'STORE 1 -FLAGS.SILENT (\\Seen)' },
  { name: 'UNSELECT', command: 'UNSELECT' },
  { name: 'FETCH with no mailbox', command: 'FETCH 1 FLAGS' },
  { name: 'an unknown command', command: 'FROBNICATE' },
  { name: 'SELECT without a name', command: 'SELECT' },
  { name: 'SELECT a missing folder', command: 'SELECT nosuch' },
  { name: 'RENAME', command: 'RENAME diff/sub diff/renamed' },
  { name: 'LIST after RENAME', command: 'LIST "" "diff/*"' },
  { name: 'DELETE a folder with children', command: 'DELETE diff' },
  { name: 'RENAME a \\Noselect folder', command: 'RENAME diff moved' },
  { name: 'LIST after renaming a \\Noselect folder', command: 'LIST "" "moved*"' },
  { name: 'DELETE', command: 'DELETE empty' },
  { name: 'DELETE a missing folder', command: 'DELETE empty' },
];

/**
 * What may differ without meaning anything (after each step's tag became TAG): the text after OK/NO/BAD (RFC 3501 §7.1: human
 * readable), UIDVALIDITY values (§2.3.1.1: any value that only ever grows), MODSEQ values
 * (RFC 7162 §3.1.1), and the order of the items in a FETCH response (§7.4.2 sets none).
 */
function normalise(line: string): string {
  return line
    .replace(/^(\S+ (?:OK|NO|BAD))( \[[^\]]*\])?.*$/, '$1$2')
    .replace(/^(\* (?:OK|NO|BAD))( \[[^\]]*\])?.*$/, '$1$2')
    .replace(/UIDVALIDITY \d+/g, 'UIDVALIDITY <v>')
    .replace(/\[(APPENDUID|COPYUID) \d+/g, '[$1 <v>')
    .replace(/(HIGHESTMODSEQ|MODSEQ) \(?\d+\)?/g, '$1 <m>')
    .replace(/^(\* \d+ FETCH )\((.*)\)$/, (_, head: string, items: string) => `${head}(${sortFetchItems(items)})`)
    .replace(/(FLAGS) \(([^()]*)\)/g, (_, name: string, flags: string) => `${name} (${flags.split(' ').sort().join(' ')})`);
}

/** Splits `FLAGS (\Seen) UID 3 RFC822.SIZE 10` into its items and sorts them by name. */
function sortFetchItems(items: string): string {
  const parts: string[] = [];
  let i = 0;
  while (i < items.length) {
    const name = /^[^ ]+/.exec(items.slice(i))![0];
    let j = i + name.length + 1;
    let depth = 0;
    let quoted = false;
    for (; j < items.length; j++) {
      const c = items[j]!;
      if (quoted) {
        if (c === '\\') j++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ' ' && depth === 0) break;
    }
    parts.push(items.slice(i, j));
    i = j + 1;
  }
  return parts.sort().join(' ');
}

async function runScript(port: number, user: string, password: string): Promise<string[][]> {
  const client = await RawClient.connect(port);
  try {
    const login = await client.command('L', `LOGIN ${user} ${literal(password)}`);
    if (!login.at(-1)!.startsWith('L OK')) throw new Error(`login failed: ${login.join(' | ')}`);
    const answers: string[][] = [];
    for (const [index, step] of STEPS.entries()) {
      // The tag is the same for every step on both servers once normalised.
      // `{tag of NAME}`: the tag the step of that name ran with (CANCELUPDATE names a search by its tag).
      const command = step.command.replace(/\{tag of ([^}]+)\}/g, (_, name: string) => `t${STEPS.findIndex((s) => s.name === name)}`);
      const lines = (await client.command(`t${index}`, command)).map((line) => normalise(line.replaceAll(`t${index}`, 'TAG')));
      answers.push(step.unordered ? [...lines.slice(0, -1).sort(), lines.at(-1)!] : lines);
    }
    return answers;
  } finally {
    client.close();
  }
}

interface AcceptedDifference {
  /** Why ours is right, with the RFC section. */
  readonly why: string;
  readonly ours: readonly string[];
  readonly dovecot: readonly string[];
}

/** Steps where our normalised answer differs from Dovecot's on purpose, by step name. */
const ACCEPTED: Readonly<Record<string, AcceptedDifference>> = {
  'LIST SUBSCRIBED': {
    why: 'RFC 3348 §4 / RFC 5258 §4: a server with CHILDREN may give \\HasChildren / \\HasNoChildren in any LIST reply, asked for or not; clients that do not ask ignore them.',
    ours: ['* LIST (\\HasNoChildren \\Subscribed) "/" diff/sub', 'TAG OK'],
    dovecot: ['* LIST (\\Subscribed) "/" diff/sub', 'TAG OK'],
  },
  'LIST SUBSCRIBED RECURSIVEMATCH': {
    why: 'As "LIST SUBSCRIBED": RFC 3348 §4 child attributes, unasked. CHILDINFO itself is as RFC 5258 §3.5 and §9 want (quoted "SUBSCRIBED").',
    ours: ['* LIST (\\HasChildren) "/" diff (CHILDINFO ("SUBSCRIBED"))', 'TAG OK'],
    dovecot: ['* LIST () "/" diff (CHILDINFO ("SUBSCRIBED"))', 'TAG OK'],
  },
  'LIST RETURN STATUS': {
    why: 'The same as "LIST SUBSCRIBED": RFC 3348 §4 child attributes, unasked.',
    ours: ['* LIST (\\HasNoChildren) "/" empty', '* STATUS empty (MESSAGES 0 UNSEEN 0)', 'TAG OK'],
    dovecot: ['* LIST () "/" empty', '* STATUS empty (MESSAGES 0 UNSEEN 0)', 'TAG OK'],
  },
  'STATUS of a missing folder': {
    why: 'RFC 5530 §3: NONEXISTENT says the mailbox does not exist, so a client can offer to create it.',
    ours: ['TAG NO [NONEXISTENT]'],
    dovecot: ['TAG NO'],
  },
  'SELECT an empty folder': {
    why: 'RFC 7162 §3.1.2.1: a server that keeps mod-sequences MUST send HIGHESTMODSEQ with every successful SELECT/EXAMINE; Dovecot omits it for a mailbox that never had a change.',
    ours: ['* 0 EXISTS', '* 0 RECENT', '* FLAGS (\\Answered \\Deleted \\Draft \\Flagged \\Seen)', '* OK [HIGHESTMODSEQ <m>]', '* OK [PERMANENTFLAGS (\\* \\Answered \\Deleted \\Draft \\Flagged \\Seen)]', '* OK [UIDNEXT 1]', '* OK [UIDVALIDITY <v>]', 'TAG OK [READ-WRITE]'],
    dovecot: ['* 0 EXISTS', '* 0 RECENT', '* FLAGS (\\Answered \\Deleted \\Draft \\Flagged \\Seen)', '* OK [PERMANENTFLAGS (\\* \\Answered \\Deleted \\Draft \\Flagged \\Seen)]', '* OK [UIDNEXT 1]', '* OK [UIDVALIDITY <v>]', 'TAG OK [READ-WRITE]'],
  },
  'FETCH flags, UID, size, date': {
    why: 'RFC 3501 §9 / RFC 9051 §9: date-day-fixed = (SP DIGIT) / 2DIGIT; both forms are valid, ours is the one the RFC examples use.',
    ours: ['* 1 FETCH (FLAGS (\\Recent \\Seen) INTERNALDATE " 1-Nov-2026 01:00:00 +0000" RFC822.SIZE 294 UID 1)', '* 2 FETCH (FLAGS (\\Recent) INTERNALDATE " 2-Nov-2026 02:30:00 +0000" RFC822.SIZE 384 UID 2)', '* 3 FETCH (FLAGS ($Work \\Flagged \\Recent) INTERNALDATE " 3-Nov-2026 10:00:00 +0000" RFC822.SIZE 553 UID 3)', '* 4 FETCH (FLAGS (\\Answered \\Recent) INTERNALDATE " 4-Nov-2026 04:00:00 +0000" RFC822.SIZE 150 UID 4)', 'TAG OK'],
    dovecot: ['* 1 FETCH (FLAGS (\\Recent \\Seen) INTERNALDATE "01-Nov-2026 01:00:00 +0000" RFC822.SIZE 294 UID 1)', '* 2 FETCH (FLAGS (\\Recent) INTERNALDATE "02-Nov-2026 02:30:00 +0000" RFC822.SIZE 384 UID 2)', '* 3 FETCH (FLAGS ($Work \\Flagged \\Recent) INTERNALDATE "03-Nov-2026 10:00:00 +0000" RFC822.SIZE 553 UID 3)', '* 4 FETCH (FLAGS (\\Answered \\Recent) INTERNALDATE "04-Nov-2026 04:00:00 +0000" RFC822.SIZE 150 UID 4)', 'TAG OK'],
  },
  'FETCH BODYSTRUCTURE (multipart)': {
    why: 'RFC 2045 §5.1: type, subtype and parameter names are case-insensitive; RFC 3501 §7.4.2\'s own example sends them in upper case, as we do.',
    ours: ['* 3 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 19 0 NIL NIL NIL NIL)("APPLICATION" "PDF" ("NAME" "r.pdf") NIL NIL "BASE64" 20 NIL ("ATTACHMENT" ("FILENAME" "r.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "b1") NIL NIL NIL))', 'TAG OK'],
    dovecot: ['* 3 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 19 0 NIL NIL NIL NIL)("application" "pdf" ("name" "r.pdf") NIL NIL "base64" 20 NIL ("attachment" ("filename" "r.pdf")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL))', 'TAG OK'],
  },
  'FETCH BODY (single part)': {
    why: 'As "FETCH BODYSTRUCTURE (multipart)": RFC 2045 §5.1, upper case as in RFC 3501 §7.4.2.',
    ours: ['* 2 FETCH (BODY ("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" 50 2))', 'TAG OK'],
    dovecot: ['* 2 FETCH (BODY ("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 50 2))', 'TAG OK'],
  },
  'SEARCH unknown charset': {
    why: 'RFC 3501 §7.1: BADCHARSET may carry the list of supported charsets; ours does, so a client can retry with one.',
    ours: ['TAG NO [BADCHARSET (UTF-8 US-ASCII)]'],
    dovecot: ['TAG NO [BADCHARSET]'],
  },
  'STORE in a read-only mailbox': {
    why: 'RFC 3501 §6.3.2: after EXAMINE no change to the mailbox is permitted; Dovecot answers OK and changes nothing, we say NO so the client knows its flags were not kept.',
    ours: ['TAG NO [CANNOT]'],
    dovecot: ['TAG OK'],
  },
  'STORE FLAGS.SILENT': {
    why: 'RFC 3501 §7.2.6: FLAGS occurs as a result of SELECT or EXAMINE; Dovecot also re-sends FLAGS and PERMANENTFLAGS when a STORE defines a new keyword, which we do not (yet): clients see the keyword in FETCH FLAGS and at the next SELECT.',
    ours: ['TAG OK'],
    dovecot: ['* FLAGS ($Done $Work \\Answered \\Deleted \\Draft \\Flagged \\Seen)', '* OK [PERMANENTFLAGS ($Done $Work \\* \\Answered \\Deleted \\Draft \\Flagged \\Seen)]', 'TAG OK'],
  },
  'MOVE': {
    why: 'RFC 3501 §7.4.1: an EXPUNGE removes the message and its \\Recent with it, which the client can count itself; RFC 9051 (Appendix E) drops RECENT altogether. Dovecot re-sends the RECENT count.',
    ours: ['* OK [COPYUID <v> 4 1]', '* 4 EXPUNGE', 'TAG OK'],
    dovecot: ['* OK [COPYUID <v> 4 1]', '* 4 EXPUNGE', '* 3 RECENT', 'TAG OK'],
  },
  'EXPUNGE': {
    why: 'As "MOVE": RFC 3501 §7.4.1, no RECENT after EXPUNGE.',
    ours: ['* 1 EXPUNGE', 'TAG OK'],
    dovecot: ['* 1 EXPUNGE', '* 2 RECENT', 'TAG OK'],
  },
  'UID MOVE': {
    why: 'As "MOVE": RFC 3501 §7.4.1, no RECENT after EXPUNGE.',
    ours: ['* OK [COPYUID <v> 3 3]', '* 2 EXPUNGE', 'TAG OK'],
    dovecot: ['* OK [COPYUID <v> 3 3]', '* 2 EXPUNGE', '* 1 RECENT', 'TAG OK'],
  },
  'STORE without flags': {
    why: 'RFC 3501 §9: store-att-flags needs SP and at least one flag or a flag list, so "+FLAGS" alone is a syntax error: BAD (§7.1.3). Dovecot accepts it.',
    ours: ['TAG BAD'],
    dovecot: ['TAG OK'],
  },
  'STORE \\Recent': {
    why: 'RFC 3501 §2.3.2: \\Recent cannot be altered by the client, but §9 makes it a valid flag-extension, so it is not a syntax error (BAD); we leave it unchanged and report the flags. Dovecot answers BAD.',
    ours: ['* 1 FETCH (FLAGS ($Done \\Recent \\Seen))', 'TAG OK'],
    dovecot: ['TAG BAD'],
  },
  'SELECT a missing folder': {
    why: 'As "STATUS of a missing folder": RFC 5530 §3 NONEXISTENT.',
    ours: ['TAG NO [NONEXISTENT]'],
    dovecot: ['TAG NO'],
  },
  'UID STORE under live searches': {
    why: 'RFC 5267 §4.3: a live search that asked for MIN, MAX or COUNT gets their new values with its REMOVEFROM/ADDTO, so that a client keeping only a count (an unread badge) need not recount; Dovecot sends REMOVEFROM/ADDTO alone. (t109: UID SEARCH RETURN (ALL UPDATE) UNSEEN, t110: SEARCH RETURN (UPDATE) SEEN, t111: SEARCH RETURN (UPDATE COUNT) UNSEEN.)',
    ours: ['* ESEARCH (TAG "t109") UID REMOVEFROM (0 5)', '* ESEARCH (TAG "t110") ADDTO (0 2)', '* ESEARCH (TAG "t111") REMOVEFROM (0 2) COUNT 2', 'TAG OK'],
    dovecot: ['* ESEARCH (TAG "t109") UID REMOVEFROM (0 5)', '* ESEARCH (TAG "t110") ADDTO (0 2)', '* ESEARCH (TAG "t111") REMOVEFROM (0 2)', 'TAG OK'],
  },
  'APPEND under live searches': {
    why: 'As "UID STORE under live searches": RFC 5267 §4.3, the new COUNT with the ADDTO.',
    ours: ['* 5 EXISTS', '* 5 RECENT', '* ESEARCH (TAG "t109") UID ADDTO (0 8)', '* ESEARCH (TAG "t111") ADDTO (0 5) COUNT 3', 'TAG OK [APPENDUID <v> 8]'],
    dovecot: ['* 5 EXISTS', '* 5 RECENT', '* ESEARCH (TAG "t109") UID ADDTO (0 8)', '* ESEARCH (TAG "t111") ADDTO (0 5)', 'TAG OK [APPENDUID <v> 8]'],
  },
  'EXPUNGE under live searches': {
    why: 'As "UID STORE under live searches" (RFC 5267 §4.3, the new COUNT) and as "EXPUNGE" (RFC 3501 §7.4.1, no RECENT after EXPUNGE). Both name the expunged message in REMOVEFROM before its EXPUNGE.',
    ours: ['* ESEARCH (TAG "t109") UID REMOVEFROM (0 6)', '* ESEARCH (TAG "t111") REMOVEFROM (0 3) COUNT 2', '* 3 EXPUNGE', 'TAG OK'],
    dovecot: ['* ESEARCH (TAG "t109") UID REMOVEFROM (0 6)', '* ESEARCH (TAG "t111") REMOVEFROM (0 3)', '* 3 EXPUNGE', '* 4 RECENT', 'TAG OK'],
  },
};

describe.skipIf(unavailable !== null)('the same sessions against Dovecot and cantho-mail', () => {
  let dovecot: RunningDovecot;
  let ours: ImapTestServer;
  let oursAnswers: string[][];
  let dovecotAnswers: string[][];

  beforeAll(async () => {
    [dovecot, ours] = await Promise.all([startDovecot({ maxConnections: 5, hierarchySeparator: '/' }), startImapTestServer()]);
    oursAnswers = await runScript(ours.ports.imap, 'annv', PASSWORD);
    dovecotAnswers = await runScript(dovecot.port, dovecot.user, dovecot.password);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), ours?.close()]);
  });

  test.each(STEPS.map((step, index) => [step.name, index] as const))('%s', (name, index) => {
    const accepted = ACCEPTED[name];
    const expected = accepted ? { ours: accepted.ours, dovecot: accepted.dovecot } : { ours: dovecotAnswers[index], dovecot: dovecotAnswers[index] };
    expect({ step: STEPS[index]!.command.slice(0, 80), ours: oursAnswers[index], dovecot: dovecotAnswers[index] }).toEqual({ step: STEPS[index]!.command.slice(0, 80), ...expected });
  });
});

describe.runIf(unavailable !== null)('the Dovecot differential suite', () => {
  test.skip(`is skipped: ${unavailable}`, () => undefined);
});
