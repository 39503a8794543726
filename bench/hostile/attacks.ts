import { foldedHeaderMessage, manyPartsMessage, ordinaryMessage, rfc2231ContinuationsMessage } from '../../test/hostile/messages.js';
import { sendRaw, type SendReply } from '../../test/hostile/smtp-send.js';
import { addLoginCrowd, type Target } from './target.js';
import { imapLogin, imapLoginPatiently, Wire } from './wire.js';

/**
 * The attacks no message, command or client may use to stall or exhaust the server, each sent as
 * an attacker would send it. `run` returns a one-line outcome (what the server answered) and
 * stops by `deadline` whatever the server does: every socket it opened is closed by then.
 * `prepare` runs before the measurement starts.
 */
export interface Attack {
  readonly name: string;
  readonly description: string;
  prepare?(target: Target): Promise<void>;
  /** Longer than the bench's `--limit` when the attack needs it (a timeout to outlast). */
  readonly limitMs?: number;
  run(target: Target, deadline: number): Promise<string>;
}

const LOGIN_CROWD = 300;
const CROWD_PASSWORD = 'Dang-Nhap-Do-7319';
/** Just below `[smtp] max_message_size` (25 MB). */
const MX_BODY_BYTES = 24 * 1024 * 1024;
const LITERAL_BYTES = 24_000_000;
/** The size of the hostile attacks' 'big' messages that stay well under APPENDLIMIT and SIZE. */
const APPEND_MESSAGE_BYTES = 20 * 1024 * 1024;

export const ATTACKS: readonly Attack[] = [
  {
    name: 'folded-header-40k',
    description: 'one MX message with a header field folded over 40,000 lines (120 KB)',
    run: async (t, deadline) => describeMx(await sendBefore(t, foldedHeaderMessage(40_000), deadline)),
  },
  {
    name: 'mime-parts-50k',
    description: 'one MX message of 50,000 MIME parts',
    run: async (t, deadline) => describeMx(await sendBefore(t, manyPartsMessage(50_000), deadline)),
  },
  {
    name: 'folded-header-8mb',
    description: 'one MX message with a header field folded over 2,000,000 lines (8 MB)',
    run: async (t, deadline) => describeMx(await sendBefore(t, foldedHeaderMessage(2_000_000), deadline)),
  },
  {
    name: 'fetch-2000-items',
    description: 'IMAP FETCH 1 (BODY.PEEK[TEXT] ×2,000) on a 255 KB message, response read and discarded',
    async run(t, deadline) {
      const wire = (await selectedAsAttacker(t, deadline)).closeBy(deadline);
      try {
        await wire.write(`F FETCH 1 (${Array.from({ length: 2_000 }, () => 'BODY.PEEK[TEXT]').join(' ')})\r\n`);
        const reply = await wire.expect(/^F /, deadline - Date.now()).catch(() => 'no reply before the deadline');
        return `${reply.slice(0, 80)}; ${mib(wire.received)} MiB received`;
      } finally {
        wire.destroy();
      }
    },
  },
  {
    name: 'literals-50x24mb',
    description: '50 logged-in connections each sending a 24 MB literal (just under APPENDLIMIT) to SELECT',
    run: (t, deadline) => literalFromEachAttacker(t, 50, 'SELECT', Buffer.alloc(LITERAL_BYTES, 0x61), deadline),
  },
  {
    name: 'appends-20x20mb',
    description: '20 logged-in connections each APPENDing a 20 MB message at once (LITERAL+)',
    run: (t, deadline) => literalFromEachAttacker(t, 20, 'APPEND Archive', mxBody(APPEND_MESSAGE_BYTES), deadline),
  },
  {
    name: 'mx-40x24mb',
    description: '40 MX sessions from 127.0.0.1 and 127.0.0.2, each sending a 24 MB message',
    run: (t, deadline) => bigMessagesToMx(t, 40, MX_BODY_BYTES, deadline),
  },
  {
    name: 'mx-5x20mb',
    description: '5 MX sessions at once, each sending a 20 MB message (spooled, then checked and stored)',
    run: (t, deadline) => bigMessagesToMx(t, 5, APPEND_MESSAGE_BYTES, deadline),
  },
  {
    name: 'abandoned-fetch',
    description: '5 clients start downloading the 20 MB message and vanish after 256 KB; observed 10 s more',
    async run(t, deadline) {
      const downloads: Wire[] = [];
      for (let i = 0; i < 5; i++) downloads.push((await selectedAsAttacker(t, deadline)).closeBy(deadline));
      const received = await Promise.all(
        downloads.map(async (wire) => {
          await wire.write(`F UID FETCH ${t.largeUid} BODY.PEEK[]\r\n`);
          while (wire.received < 256 * 1024 && !wire.closed && Date.now() < deadline) await pause(10);
          wire.destroy();
          return wire.received;
        }),
      );
      await pause(Math.min(10_000, deadline - Date.now()));
      return `${received.length} downloads dropped after ${Math.round(Math.min(...received) / 1024)}–${Math.round(Math.max(...received) / 1024)} KiB`;
    },
  },
  {
    name: 'wrong-passwords-100',
    description: "100 wrong passwords for one official from 127.0.0.2; then the official's own login from 127.0.0.1",
    limitMs: 60_000,
    async run(t, deadline) {
      const login = async (password: string, from: string, timeoutMs: number) => {
        const { wire, reply } = await imapLogin(t.server.ports.imap, t.victim.address, password, from, timeoutMs);
        wire?.destroy();
        return reply;
      };
      // As a guessing bot does: ten connections at a time, a hundred guesses in all.
      // The guesses stop in time for the two checks with the right password (10 s each at most).
      const guessesEnd = deadline - 20_000;
      const answers: string[] = [];
      for (let round = 0; round < 10 && Date.now() < guessesEnd; round++) {
        const guesses = Array.from({ length: 10 }, (_, i) => login(`sai-mat-khau-${round}-${i}`, '127.0.0.2', Math.max(1, guessesEnd - Date.now())));
        answers.push(...(await Promise.all(guesses)));
      }
      const rightPassword = (from: string) => login(t.victim.password, from, 10_000);
      return `attempts: ${tally(answers)}; owner from 127.0.0.1: ${await rightPassword('127.0.0.1')}; right password from 127.0.0.2: ${await rightPassword('127.0.0.2')}`;
    },
  },
  {
    name: 'logins-300',
    description: `${LOGIN_CROWD} different officials logging in at once from 127.0.0.1 just after a restart (login cache empty)`,
    async prepare(t) {
      await addLoginCrowd(t.server, LOGIN_CROWD, CROWD_PASSWORD);
      await t.server.restart();
    },
    async run(t, deadline) {
      const addresses = Array.from({ length: LOGIN_CROWD }, (_, i) => `dn${String(i + 1).padStart(3, '0')}@cantho.gov.vn`);
      const started = performance.now();
      const outcomes = await Promise.all(
        addresses.map(async (address) => {
          const { wire, reply } = await imapLogin(t.server.ports.imap, address, CROWD_PASSWORD, undefined, deadline - Date.now());
          wire?.destroy();
          return reply;
        }),
      );
      return `${tally(outcomes)} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    },
  },
  {
    name: 'clamd-rfc2231',
    description: '6 MX messages folding 16,000 RFC 2231 continuations in a part header, then a one-line message',
    // Longer than `[clamav] timeout` (30 s), so that the hostile messages' own replies are seen.
    limitMs: 60_000,
    async run(t, deadline) {
      const hostile = Array.from({ length: 6 }, () => sendBefore(t, rfc2231ContinuationsMessage(16_000), deadline));
      await pause(1_000);
      const ordinary = await sendBefore(t, ordinaryMessage(), deadline);
      const replies = await Promise.all(hostile);
      return `one-line message: ${describeMx(ordinary)}; hostile: ${tally(replies.map((r) => (r.code === 0 ? `no reply (${r.text.slice(0, 30)})` : r.text.slice(0, 9))))}`;
    },
  },
  {
    name: 'trickle-prelogin',
    description: '20 IMAP clients each sending one byte a second before login, for 75 s (the pre-login timeout is 60 s)',
    limitMs: 90_000,
    async run(t, deadline) {
      const clients = await Promise.all(Array.from({ length: 20 }, async () => (await Wire.connect(t.server.ports.imap)).closeBy(deadline)));
      const started = Date.now();
      const text = 'a LOGIN someone password-typed-very-slowly-by-a-bot-that-never-ends-its-line-and-keeps-going';
      for (let i = 0; Date.now() - started < 75_000 && Date.now() < deadline && clients.some((w) => !w.closed); i++) {
        for (const wire of clients) await wire.write(text[i % text.length]!);
        await pause(1_000);
      }
      const open = clients.filter((w) => !w.closed).length;
      for (const wire of clients) wire.destroy();
      return `${open} of ${clients.length} still connected after ${Math.round((Date.now() - started) / 1000)} s of trickling`;
    },
  },
];

function sendBefore(t: Target, raw: Buffer, deadline: number): Promise<SendReply> {
  return sendRaw(t.server.ports.mx, raw, t.bystander.address, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
}

function describeMx(reply: SendReply): string {
  return `${reply.text.slice(0, 70)} after ${(reply.ms / 1000).toFixed(1)} s`;
}

/** The attacker logged in with INBOX selected. */
async function selectedAsAttacker(t: Target, deadline: number): Promise<Wire> {
  const { wire, reply } = await imapLoginPatiently(t.server.ports.imap, t.attacker.address, t.attacker.password, deadline);
  if (!wire) throw new Error(`attacker login: ${reply}`);
  await wire.write('S SELECT INBOX\r\n');
  await wire.expect(/^S /, 60_000);
  return wire;
}

/** One SMTP transaction written by hand, so that 40 sessions share one body buffer. */
async function rawMxSession(port: number, from: string, to: string, body: Buffer, deadline: number): Promise<string> {
  const wire = await Wire.connect(port, from).catch(() => null);
  if (!wire) return 'no connection';
  wire.closeBy(deadline);
  const reply = (text: RegExp = /^\d{3} /) => wire.expect(text, Math.max(1, deadline - Date.now()));
  try {
    const greeting = await reply();
    if (!greeting.startsWith('220')) return greeting.slice(0, 50);
    await wire.write('EHLO bench.example.org\r\n');
    await reply();
    await wire.write('MAIL FROM:<someone@example.org>\r\n');
    const mail = await reply();
    if (!mail.startsWith('250')) return mail.slice(0, 50);
    await wire.write(`RCPT TO:<${to}>\r\n`);
    const rcpt = await reply();
    if (!rcpt.startsWith('250')) return rcpt.slice(0, 50);
    await wire.write('DATA\r\n');
    const data = await reply();
    if (!data.startsWith('354')) return data.slice(0, 50);
    await wire.write(body);
    await wire.write('.\r\n');
    return (await reply()).slice(0, 50);
  } catch {
    return wire.closedByPeer ? 'connection closed by the server' : 'no reply by the deadline';
  } finally {
    wire.destroy();
  }
}

/** A message body of `size` bytes: CRLF lines, none starting with a dot (no dot-stuffing needed). */
function mxBody(size: number): Buffer {
  const head = 'From: <someone@example.org>\r\nSubject: lon\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n';
  return Buffer.from(head + line.repeat(Math.floor((size - head.length) / line.length)));
}

/**
 * `connections` logins of the attacker, each then sending `S <command> {n+}` with `literal` at
 * once (LITERAL+, RFC 7888: without waiting for a continuation); a tally of the answers.
 */
async function literalFromEachAttacker(t: Target, connections: number, command: string, literal: Buffer, deadline: number): Promise<string> {
  const logins: Array<{ wire: Wire | null; reply: string }> = [];
  for (let i = 0; i < connections; i++) logins.push(await imapLoginPatiently(t.server.ports.imap, t.attacker.address, t.attacker.password, deadline));
  const outcomes = await Promise.all(
    logins.map(async ({ wire, reply }) => {
      if (!wire) return `login: ${reply}`;
      wire.closeBy(deadline);
      try {
        await wire.write(`S ${command} {${literal.length}+}\r\n`);
        await wire.write(literal);
        await wire.write('\r\n');
        const answer = await wire.expect(/^S |^\* BYE/, deadline - Date.now()).catch(() => (wire.closedByPeer ? 'connection closed by the server' : 'no reply by the deadline'));
        return answer.replace(/APPENDUID \d+ \d+/, 'APPENDUID').slice(0, 60);
      } finally {
        wire.destroy();
      }
    }),
  );
  return tally(outcomes);
}

/** `sessions` MX sessions at once, alternately from 127.0.0.1 and 127.0.0.2, each sending a message of `bytes`. */
async function bigMessagesToMx(t: Target, sessions: number, bytes: number, deadline: number): Promise<string> {
  const body = mxBody(bytes);
  const outcomes = await Promise.all(
    Array.from({ length: sessions }, (_, i) => rawMxSession(t.server.ports.mx, i % 2 === 0 ? '127.0.0.1' : '127.0.0.2', t.bystander.address, body, deadline)),
  );
  return tally(outcomes);
}

/** "3× 250, 2× 451 …": how many times each answer came. */
function tally(answers: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  return [...counts].map(([answer, n]) => `${n}× ${answer}`).join(', ');
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
