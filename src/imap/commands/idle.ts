import { ImapError } from '../errors.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 2177 IDLE: after the `+`, changes to the selected mailbox are written as they happen (within
 * the same tick as the store's commit event), and `* OK Still here` every imap.idle_keepalive keeps
 * NAT boxes and clients from dropping the connection. Ends with the client's "DONE".
 */
export const idle: CommandHandler = async (session, { args }) => {
  args.end();
  session.out.continuation('idling');
  await session.flushUpdates(true);
  const stopWaking = session.onWake(() => {
    session.flushUpdates(true).catch((err: unknown) => session.log.error({ err }, 'unsolicited updates failed during IDLE'));
  });
  const keepalive = setInterval(() => session.out.untagged('OK Still here'), session.ctx.config.imap.idle_keepalive);
  try {
    const line = await session.readLine();
    if (line === null) return { text: 'IDLE ended: connection closed' };
    if (line.toString('latin1').toUpperCase() !== 'DONE') throw new ImapError('BAD', null, 'Expected DONE to end IDLE');
    return { text: 'IDLE terminated' };
  } finally {
    clearInterval(keepalive);
    stopWaking();
  }
};
