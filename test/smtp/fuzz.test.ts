/**
 * Fuzzing the three SMTP listeners over raw sockets (Standards: "bad input
 * gets a clear protocol error and loses nothing"). fast-check builds sessions out of valid
 * commands with mutated arguments, random bytes, very long lines, NULs and 8-bit bytes, sent one
 * by one or as one pipelined burst, and ended by QUIT, by a cut in the middle of DATA, or by an
 * abrupt close. For MX, submission (587, plaintext until STARTTLS) and submissions (465, implicit
 * TLS, where the sessions may AUTH) every session must show:
 * - well-formed replies only: RFC 5321 §4.2 — three digits, a "-" after the code on every line
 *   of a multiline reply but the last, one code throughout, printable US-ASCII, CRLF;
 * - a server that keeps serving: a clean transaction on a fresh connection gets 250 afterwards;
 * - a store that holds exactly what was acknowledged: a message row (or queue entry) only for a
 *   DATA answered 250, and every such 250 has its message stored (RFC 5321 §4.1.1.4, §6.1).
 */
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, startHarness, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';
import { saslPlain } from '../security/support.js';

let h: Harness;
let db: Database.Database;

beforeAll(async () => {
  h = await startHarness({
    config: {
      smtp: { max_message_size: '64KB', idle_timeout: '5s', max_connections_per_ip: 50, user_messages_per_hour: 1_000_000 },
      // Random AUTH attempts must not slow down or lock the accounts the clean transactions use.
      policy: { login_failures_before_delay: 1_000_000, login_failures_before_lock: 1_000_000 },
    },
    // Remote recipients stay in the queue: no delivery attempt, no DSN filed while we count.
    smtp: { queueWorker: false },
  });
  db = new Database(path.join(h.dir, 'mail.db'), { readonly: true });
});
afterAll(async () => {
  db?.close();
  await h?.close();
});

type Listener = 'mx' | 'submission' | 'submissions';

const CRLF = Buffer.from('\r\n');
const bytes = (text: string) => Buffer.from(text, 'utf8');
const line = (text: string) => bytes(`${text}\r\n`);

// ---- generators ---------------------------------------------------------------------------

const addresses = fc.constantFrom(
  'annv@cantho.gov.vn',
  'binhtt@cantho.gov.vn',
  'vpubnd@cantho.gov.vn',
  'AnNV@Cantho.Gov.Vn',
  'nobody@cantho.gov.vn',
  'dungpv@cantho.gov.vn',
  'someone@example.org',
  'user%example.org@cantho.gov.vn',
  'postmaster',
  '',
);
const mailParameters = fc.constantFrom('', ' SIZE=120', ' BODY=8BITMIME', ' SMTPUTF8', ' SIZE=99999999999', ' BODY=BINARYMIME', ' RET=FULL', ' XFOO=bar', ' SIZE=');

/** A message body, mostly well-formed (CRLF, dot-stuffed) so that some transactions complete. */
const messageData = fc
  .record({
    subject: fc.string({ maxLength: 40, unit: 'grapheme' }),
    body: fc.array(fc.string({ maxLength: 120, unit: 'grapheme' }), { maxLength: 4 }),
    from: fc.constantFrom('annv@cantho.gov.vn', 'binhtt@cantho.gov.vn', 'someone@example.org'),
  })
  .map(({ subject, body, from }) => {
    const text = [`From: ${from}`, `Subject: ${subject.replace(/[\r\n]/g, ' ')}`, '', ...body.map((l) => l.replace(/[\r\n]/g, ' ').replace(/^\./, '..'))].join('\r\n');
    return bytes(`DATA\r\n${text}\r\n.\r\n`);
  });

const validCommand: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('EHLO client.example.org', 'HELO client.example.org', 'EHLO', 'RSET', 'NOOP', 'HELP', 'VRFY annv', 'EXPN staff', 'STARTTLS', 'DATA', 'BDAT 10 LAST', 'AUTH LOGIN', 'AUTH CRAM-MD5').map(line),
  fc.tuple(addresses, mailParameters).map(([address, params]) => line(`MAIL FROM:<${address}>${params}`)),
  addresses.map((address) => line(`RCPT TO:<${address}>`)),
  fc.constantFrom(saslPlain('binhtt', PASSWORD), saslPlain('binhtt', 'wrong'), saslPlain('vpubnd*annv', PASSWORD), '=', '', '!!!').map((ir) => line(`AUTH PLAIN ${ir}`)),
  messageData,
  // A whole transaction, so that one session may hold several.
  fc
    .tuple(addresses, addresses, messageData)
    .map(([from, to, data]) => Buffer.concat([line(`MAIL FROM:<${from}>`), line(`RCPT TO:<${to}>`), line('RCPT TO:<annv@cantho.gov.vn>'), data])),
);

/** What mutation inserts: NULs, 8-bit and UTF-8 bytes, lone CR and LF, address syntax, long runs. */
const fragment: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('\0', '\r', '\n', '\r\n', '\r\n.\r\n', ' ', '\t', '<', '>', ':', '@', '"', '\\', '%', '!', '[', ']', '.', 'Đ', '\u{1F4E7}').map(bytes),
  fc.constantFrom(0x80, 0xc0, 0xff, 0xfe).map((b) => Buffer.from([b])),
  fc.string({ maxLength: 8 }).map(bytes),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => Buffer.alloc(n, 'x')),
);

const mutatedCommand = fc
  .tuple(validCommand, fc.array(fc.tuple(fc.nat(), fragment, fc.boolean()), { minLength: 1, maxLength: 3 }))
  .map(([command, edits]) =>
    edits.reduce((text, [at, insert, replace]) => {
      const position = at % (text.length + 1);
      return Buffer.concat([text.subarray(0, position), insert, text.subarray(position + (replace ? 1 : 0))]);
    }, command),
  );

const randomBytes = fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.boolean()).map(([data, ended]) => Buffer.concat([Buffer.from(data), ended ? CRLF : Buffer.alloc(0)]));

const longLine = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('', 'MAIL FROM:<', 'RCPT TO:<', 'EHLO ', 'NOOP '))
  .map(([n, prefix]) => Buffer.concat([bytes(prefix), Buffer.alloc(n, 'a'), CRLF]));

const segment = fc.oneof(
  { arbitrary: validCommand, weight: 4 },
  { arbitrary: mutatedCommand, weight: 4 },
  { arbitrary: randomBytes, weight: 2 },
  { arbitrary: longLine, weight: 1 },
);

type Ending = 'quit' | 'cut-in-data' | 'abrupt';

interface FuzzSession {
  /** Start with EHLO, MAIL and RCPT (and AUTH on submissions) so that DATA paths are reached. */
  readonly prologue: boolean;
  /** Wait for the greeting first (otherwise: talking before it, RFC 5321 §4.3.1). */
  readonly waitGreeting: boolean;
  /** Everything in one write (PIPELINING, RFC 2920) instead of one write per segment. */
  readonly burst: boolean;
  readonly segments: readonly Buffer[];
  readonly ending: Ending;
}

/** True four times out of five: most sessions should get past the greeting and the envelope. */
const likely = fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 });

const fuzzSession: fc.Arbitrary<FuzzSession> = fc.record({
  prologue: likely,
  waitGreeting: likely,
  burst: fc.boolean(),
  segments: fc.array(segment, { minLength: 1, maxLength: 10 }),
  ending: fc.constantFrom<Ending>('quit', 'quit', 'quit', 'cut-in-data', 'abrupt'),
});

function prologue(listener: Listener): Buffer {
  if (listener === 'mx') return bytes('EHLO fuzz.example.org\r\nMAIL FROM:<fuzz@example.org>\r\nRCPT TO:<annv@cantho.gov.vn>\r\n');
  if (listener === 'submissions') return bytes(`EHLO fuzz.example.org\r\nAUTH PLAIN ${saslPlain('binhtt', PASSWORD)}\r\nMAIL FROM:<binhtt@cantho.gov.vn>\r\nRCPT TO:<annv@cantho.gov.vn>\r\n`);
  // Plain 587: nothing gets past MAIL without TLS and AUTH, which is the point.
  return bytes('EHLO fuzz.example.org\r\nMAIL FROM:<binhtt@cantho.gov.vn>\r\nRCPT TO:<annv@cantho.gov.vn>\r\n');
}

// ---- running a session --------------------------------------------------------------------

function portOf(listener: Listener): number {
  return h[listener];
}

async function open(listener: Listener): Promise<net.Socket> {
  const port = portOf(listener);
  const socket = listener === 'submissions' ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once(listener === 'submissions' ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return socket;
}

interface Transcript {
  readonly received: Buffer;
  /** The server had the chance to answer everything (QUIT, or a cut after the server fell quiet). */
  readonly complete: boolean;
  readonly ending: Ending;
}

/** Resolves once `condition` holds, or after `timeoutMs`; says which. */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function run(listener: Listener, session: FuzzSession): Promise<Transcript> {
  const socket = await open(listener);
  const chunks: Buffer[] = [];
  let lastData = Date.now();
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    lastData = Date.now();
  });
  socket.once('close', () => (closed = true));
  if (session.waitGreeting) await waitFor(() => chunks.length > 0, 3_000);
  const segments = session.prologue ? [prologue(listener), ...session.segments] : session.segments;
  if (session.burst) socket.write(Buffer.concat(segments));
  else {
    for (const segment of segments) {
      if (closed) break;
      socket.write(segment);
      await sleep(1);
    }
  }
  if (session.ending === 'abrupt') {
    socket.destroy();
    return { received: Buffer.concat(chunks), complete: false, ending: session.ending };
  }
  if (session.ending === 'cut-in-data') {
    // Let every reply so far arrive, then leave in the middle of a message: whatever state the
    // session is in (command, DATA, AUTH), these bytes can never complete a message.
    await waitFor(() => closed || Date.now() - lastData > 300, 10_000);
    socket.write('DATA\r\nSubject: cut off\r\n\r\nhalf a mess');
    socket.destroy();
    return { received: Buffer.concat(chunks), complete: true, ending: session.ending };
  }
  // "\r\n.\r\n" ends a DATA the segments may have left open, and an AUTH exchange gets its lines.
  socket.write('\r\n.\r\nQUIT\r\n');
  const ended = await waitFor(() => closed, 10_000);
  socket.destroy();
  if (!ended) throw new Error('the server did not end the session after QUIT');
  return { received: Buffer.concat(chunks), complete: true, ending: session.ending };
}

// ---- checks -------------------------------------------------------------------------------

/**
 * The replies in `received`, or the first way in which it is not RFC 5321 §4.2 reply syntax.
 * `complete`: the connection was not cut by us, so a trailing partial line is a fault too.
 */
function parseReplies(received: Buffer, complete: boolean): { readonly replies: string[]; readonly problem: string | null } {
  const text = received.toString('latin1');
  const lines = text.split('\r\n');
  const tail = lines.pop()!;
  if (complete && tail !== '') return { replies: [], problem: `output ends in the middle of a line: ${JSON.stringify(tail.slice(0, 80))}` };
  const replies: string[] = [];
  let open: { code: string; lines: string[] } | null = null;
  for (const current of lines) {
    if (!/^[\x20-\x7e]*$/.test(current)) return { replies, problem: `a reply line with a byte outside printable US-ASCII: ${JSON.stringify(current.slice(0, 120))}` };
    const match = /^([2-5][0-5]\d)(?:([ -])|$)/.exec(current);
    if (!match) return { replies, problem: `not a reply line: ${JSON.stringify(current.slice(0, 120))}` };
    const code = match[1]!;
    if (open && open.code !== code) return { replies, problem: `a multiline reply changes its code: ${open.code} then ${JSON.stringify(current)}` };
    const replyLines: string[] = [...(open?.lines ?? []), current];
    if (match[2] === '-') open = { code, lines: replyLines };
    else {
      replies.push(replyLines.join('\n'));
      open = null;
    }
  }
  if (complete && open) return { replies, problem: `a multiline reply never ended: ${JSON.stringify(open.lines)}` };
  return { replies, problem: null };
}

const ACCEPTED = /^250 2\.6\.0 Message accepted for delivery(?: \(([0-9a-f]{12})\))?$/;

interface StoreState {
  /** `mailbox:uid` → blob sha256 of every stored message. */
  readonly rows: Map<string, string>;
  readonly queued: number;
}

function storeState(): StoreState {
  const rows = new Map<string, string>();
  for (const row of db.prepare('SELECT m.mailbox AS mailbox, m.uid AS uid, b.sha256 AS sha FROM messages m JOIN blobs b ON b.id = m.blob').all() as Array<{ mailbox: number; uid: number; sha: string }>) {
    rows.set(`${row.mailbox}:${row.uid}`, row.sha);
  }
  const { n } = db.prepare('SELECT count(*) AS n FROM queue_messages').get() as { n: number };
  return { rows, queued: n };
}

/** The bodies (by sha256) and queue entries that appeared between two states. */
function added(before: StoreState, after: StoreState): { readonly blobs: Set<string>; readonly queued: number } {
  const blobs = new Set<string>();
  for (const [key, sha] of after.rows) if (!before.rows.has(key)) blobs.add(sha);
  return { blobs, queued: after.queued - before.queued };
}

/** A transaction any client would make, on a fresh connection: it must still get its 250. */
async function cleanTransaction(listener: Listener): Promise<void> {
  const client = await RawSmtp.connect(portOf(listener), { tls: listener === 'submissions' });
  try {
    await client.hello('clean.example.org');
    if (listener === 'submission') {
      expect(await client.startTls()).toBe('220 2.0.0 Ready to start TLS');
      await client.command('EHLO clean.example.org');
    }
    const from = listener === 'mx' ? 'clean@example.org' : 'annv@cantho.gov.vn';
    if (listener !== 'mx') expect(await client.command(`AUTH PLAIN ${saslPlain('annv', PASSWORD)}`)).toBe('235 2.7.0 Authentication successful');
    expect(await client.command(`MAIL FROM:<${from}>`)).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
    client.write(`From: ${from}\r\nSubject: clean\r\n\r\nstill serving\r\n`);
    expect(await client.command('.')).toMatch(ACCEPTED);
    await client.quit();
  } finally {
    client.destroy();
  }
}

async function property(listener: Listener, session: FuzzSession): Promise<void> {
  const before = storeState();
  const transcript = await run(listener, session);
  const { replies, problem } = parseReplies(transcript.received, transcript.complete);
  expect(problem).toBeNull();
  // RFC 5321 §4.3.1: the conversation opens with the greeting (or 421 for a client that talked first).
  if (replies.length > 0) expect(replies[0]).toMatch(/^(220 mail\.cantho\.gov\.vn ESMTP|421 )/);
  // Give an abrupt session's last message time to settle before counting what it left.
  if (transcript.ending === 'abrupt') await sleep(50);
  const after = storeState();
  const { blobs, queued } = added(before, after);
  if (transcript.complete) {
    const accepted = replies.map((r) => ACCEPTED.exec(r)).filter((m): m is RegExpExecArray => m !== null);
    if (listener === 'mx') {
      // The MX names the stored body in its 250: exactly those bodies appeared, no others.
      expect([...blobs].map((sha) => sha.slice(0, 12)).sort()).toEqual(accepted.map((m) => m[1]).sort());
    } else {
      // A submission goes to the store (local recipients) and/or the queue (remote ones).
      expect(blobs.size).toBeLessThanOrEqual(accepted.length);
      expect(queued).toBeLessThanOrEqual(accepted.length);
      expect(blobs.size + queued).toBeGreaterThanOrEqual(accepted.length);
    }
  }
  await cleanTransaction(listener);
}

// Sessions per listener and run: each is a real session plus a clean transaction (a stored message)
// and up to 300 ms of waiting for quiet, so a few dozen is what one run of the suite can afford;
// every run draws a new seed (fast-check prints it with a failure, to replay), so CI runs add up.
const RUNS: Record<Listener, number> = { mx: 60, submission: 40, submissions: 60 };

describe('SMTP fuzzing over raw sockets', () => {
  test('the reply checker itself: well-formed, multiline and broken outputs', () => {
    expect(parseReplies(bytes('220 a\r\n250-x\r\n250 y\r\n'), true)).toEqual({ replies: ['220 a', '250-x\n250 y'], problem: null });
    expect(parseReplies(bytes('250-x\r\n251 y\r\n'), true).problem).toMatch(/changes its code/);
    expect(parseReplies(bytes('250-x\r\n'), true).problem).toMatch(/never ended/);
    expect(parseReplies(bytes('250 ok\r\n2'), true).problem).toMatch(/middle of a line/);
    expect(parseReplies(bytes('250 ok\r\n2'), false).problem).toBeNull();
    expect(parseReplies(Buffer.from('500 \0\r\n', 'latin1'), true).problem).toMatch(/printable/);
  });

  test.each(['mx', 'submission', 'submissions'] as const)(
    '%s: random and mutated sessions get well-formed replies, store only what got 250, and the listener keeps serving',
    async (listener) => {
      await fc.assert(
        fc.asyncProperty(fuzzSession, (session) => property(listener, session)),
        { numRuns: RUNS[listener], interruptAfterTimeLimit: 90_000 },
      );
    },
    240_000,
  );
});
