/**
 * `npx tsx bench/reference/check.ts`: self-test of the reference servers (run as root; installs
 * postfix and dovecot-imapd when missing). Postfix: 10 messages through nodemailer and 10 through
 * smtp-source, all 20 seen in the Maildir. Dovecot: 10 messages in INBOX, LOGIN + SELECT +
 * `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)` with imapflow, UIDs in message
 * order and RFC822.SIZE equal to the CRLF size; then 5 more connections grow Dovecot's process
 * tree. Both are stopped and their directories removed; exits 1 on the first failure, or after 2 minutes.
 */
import { existsSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { message } from '../../test/store/helpers.js';
import { startDovecot, type RunningDovecot } from './dovecot.js';
import { smtpSource, startPostfix, type RunningPostfix } from './postfix.js';
import { rssOfProcessTree } from './processes.js';

const MESSAGES = 10;
const deadline = setTimeout(() => {
  console.error('FAIL: check did not finish within 2 minutes');
  process.exit(1);
}, 120_000);

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
  console.log(`ok   ${what}`);
}

/** The n-th check message: unique Message-ID and subject, CRLF line ends. */
function checkMessage(n: number): Buffer {
  return message({ id: `reference-${n}`, subject: `reference check ${n}`, body: `Kính gửi anh An: thư số ${n}.` });
}

async function checkPostfix(postfix: RunningPostfix): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 2 });
  try {
    await Promise.all(
      Array.from({ length: MESSAGES }, (_, n) => transport.sendMail({ envelope: { from: 'daott@cantho.gov.vn', to: postfix.addresses[0]! }, raw: checkMessage(n) })),
    );
  } finally {
    transport.close();
  }
  await postfix.waitForDelivered(MESSAGES, 30_000);
  expect(postfix.deliveredCount() === MESSAGES, `postfix: ${MESSAGES} messages from nodemailer are in ${postfix.maildir}`);
  const seconds = await smtpSource(postfix.port, { messages: MESSAGES, sessions: 2, size: 4096 });
  await postfix.waitForDelivered(2 * MESSAGES, 30_000);
  expect(postfix.deliveredCount() === 2 * MESSAGES, `postfix: ${MESSAGES} more from smtp-source (${seconds.toFixed(2)} s) are there too`);
}

async function checkDovecot(dovecot: RunningDovecot, messages: readonly Buffer[]): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await client.connect();
  try {
    const inbox = await client.mailboxOpen('INBOX');
    expect(inbox.exists === MESSAGES, `dovecot: SELECT INBOX reports ${MESSAGES} EXISTS`);
    const fetched = [];
    for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, size: true }, { uid: true })) fetched.push(m);
    expect(fetched.length === MESSAGES, `dovecot: UID FETCH 1:* returns ${MESSAGES} messages`);
    expect(
      fetched.every((m, n) => m.envelope?.messageId === `<reference-${n}@cantho.gov.vn>` && m.envelope.subject === `reference check ${n}`),
      'dovecot: UIDs follow the order the messages were given, ENVELOPE decoded',
    );
    expect(
      fetched.every((m, n) => m.size === messages[n]!.length),
      'dovecot: RFC822.SIZE is the CRLF size of each message',
    );
    expect(
      fetched.every((m) => m.bodyStructure?.type === 'text/plain'),
      'dovecot: BODYSTRUCTURE is text/plain',
    );
  } finally {
    await client.logout();
  }

  const before = rssOfProcessTree(dovecot.pid);
  const extra = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
      await c.connect();
      await c.mailboxOpen('INBOX');
      return c;
    }),
  );
  const after = rssOfProcessTree(dovecot.pid);
  for (const c of extra) await c.logout();
  expect(
    after.processes >= before.processes + 5 && after.rssKiB > before.rssKiB,
    `dovecot: 5 logged-in connections add ${after.processes - before.processes} processes, ` +
      `${((after.rssKiB - before.rssKiB) / 5).toFixed(0)} KiB RSS / ${((after.pssKiB - before.pssKiB) / 5).toFixed(0)} KiB PSS each`,
  );
}

let postfix: RunningPostfix | null = null;
let dovecot: RunningDovecot | null = null;
let failed = false;
try {
  postfix = await startPostfix();
  console.log(`postfix on 127.0.0.1:${postfix.port}`);
  await checkPostfix(postfix);
  const messages = Array.from({ length: MESSAGES }, (_, n) => checkMessage(n));
  dovecot = await startDovecot({ messages, maxConnections: 20 });
  console.log(`dovecot on 127.0.0.1:${dovecot.port} (pid ${dovecot.pid})`);
  await checkDovecot(dovecot, messages);
} catch (err) {
  failed = true;
  console.error(`FAIL: ${(err as Error).stack ?? String(err)}`);
} finally {
  const dirs = [postfix?.maildir, dovecot?.logFile].filter((file): file is string => file !== undefined);
  await postfix?.stop();
  await dovecot?.stop();
  if (dirs.some((file) => existsSync(file))) {
    failed = true;
    console.error('FAIL: a temp directory was left behind');
  } else {
    console.log('ok   both stopped, temp directories removed');
  }
}
clearTimeout(deadline);
process.exitCode = failed ? 1 : 0;
