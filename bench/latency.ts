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
import { compareAppendLatency, compareSmtpLatency, LATENCY_ROUNDS } from './single-op.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { appends: { type: 'string', default: '200' }, messages: { type: 'string', default: '100' } } });
  const appends = Number(values.appends);
  const messages = Number(values.messages);
  console.log(`latency: ${appends} APPENDs and ${messages} SMTP messages per client and round, ${LATENCY_ROUNDS} rounds`);
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
