import type { CommandHandler } from './handler.js';

/**
 * RFC 8437 §3 UNAUTHENTICATE: ends the login (a selected mailbox is closed without expunge, as by
 * UNSELECT) and leaves the connection as a new one, so that a client may log in as someone else
 * without a new TLS handshake.
 */
export const unauthenticate: CommandHandler = (session, { args }) => {
  args.end();
  session.unauthenticate();
  return { text: 'UNAUTHENTICATE completed' };
};
