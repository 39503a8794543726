/**
 * `npm run bench -- latency [--appends N] [--messages M]`
 *
 * Milliseconds per operation, one operation at a time, from clients without TCP_NODELAY
 * (bench/single-op.ts): APPEND with a synchronising literal (our raw client and Python's imaplib)
 * against cantho-mail served from its config file and Dovecot; one SMTP message after another in
 * one session (final `.` a write of its own) against cantho-mail's MX and Postfix. All three run
 * at once; each measurement runs twice, in alternating order, and the rounds are pooled.
 * The 40 ms this used to show is explained in docs/tcp-delayed-ack.md. Nothing here asserts a timing.
 */
import { parseArgs } from 'node:util';
import { startDovecot } from './reference/dovecot.js';
import { startPostfix } from './reference/postfix.js';
import { SERVED_PASSWORD, startServedCanthoMail } from './served.js';
import { appendLatency, formatLatency, imaplibAppendLatency, smtpLatency, summarize, type ImapTarget, type SmtpTarget } from './single-op.js';

const ROUNDS = 2;

interface Contender<T> {
  readonly name: string;
  readonly target: T;
}

/** Runs `measure` on each contender ROUNDS times, alternating who goes first; prints and returns the medians. */
export async function compareLatency<T>(label: string, contenders: readonly Contender<T>[], measure: (target: T) => Promise<number[]>): Promise<number[]> {
  const times = contenders.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders.map((_, i) => i) : contenders.map((_, i) => contenders.length - 1 - i);
    for (const i of order) times[i]!.push(...(await measure(contenders[i]!.target)));
  }
  const summaries = times.map(summarize);
  contenders.forEach((contender, i) => console.log(`  ${label}, ${contender.name}: ${formatLatency(summaries[i]!)}`));
  if (contenders.length === 2) console.log(`  ${label}, ratio ${contenders[0]!.name} / ${contenders[1]!.name}: ${(summaries[0]!.medianMs / summaries[1]!.medianMs).toFixed(2)}`);
  return summaries.map((s) => s.medianMs);
}

/** APPEND, raw client and imaplib, ours against a reference IMAP server. */
export async function compareAppendLatency(ours: ImapTarget, reference: Contender<ImapTarget> | null, appends: number): Promise<void> {
  const contenders = [{ name: 'cantho-mail', target: ours }, ...(reference ? [reference] : [])];
  await compareLatency('APPEND {n} (raw socket, no TCP_NODELAY)', contenders, (target) => appendLatency(target, appends));
  await compareLatency('APPEND (Python imaplib)', contenders, (target) => imaplibAppendLatency(target, appends));
}

/** One SMTP message at a time in one session, ours against a reference MTA. */
export async function compareSmtpLatency(ours: SmtpTarget, reference: Contender<SmtpTarget> | null, messages: number): Promise<void> {
  const contenders = [{ name: 'cantho-mail', target: ours }, ...(reference ? [reference] : [])];
  await compareLatency('SMTP message, final "." a write of its own (no TCP_NODELAY)', contenders, (target) => smtpLatency(target, messages));
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { appends: { type: 'string', default: '200' }, messages: { type: 'string', default: '100' } } });
  const appends = Number(values.appends);
  const messages = Number(values.messages);
  console.log(`latency: ${appends} APPENDs and ${messages} SMTP messages per client and round, ${ROUNDS} rounds`);
  const stops: Array<() => Promise<void>> = [];
  try {
    const ours = await startServedCanthoMail();
    stops.push(() => ours.server.stop());
    const dovecot = await startDovecot({ password: SERVED_PASSWORD, maxConnections: 20 });
    stops.push(() => dovecot.stop());
    const postfix = await startPostfix();
    stops.push(() => postfix.stop());

    const ourImap = { port: ours.server.ports.imap, user: ours.official.address, password: ours.official.password };
    await compareAppendLatency(ourImap, { name: 'dovecot', target: { port: dovecot.port, user: dovecot.user, password: dovecot.password } }, appends);
    await compareSmtpLatency({ port: ours.server.ports.mx, recipient: ours.official.address }, { name: 'postfix', target: { port: postfix.port, recipient: postfix.addresses[0]! } }, messages);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
