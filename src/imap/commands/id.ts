import { ParseError } from '../errors.js';
import type { ImapValue } from '../responses.js';
import type { CommandHandler } from './handler.js';

/** RFC 2971: what the server reports about itself. */
const SERVER_ID: ImapValue = ['name', 'cantho-mail', 'vendor', 'cantho.gov.vn'];

/** RFC 2971 §3.1: at most 30 field/value pairs; the client's are kept for the login audit. */
const MAX_PAIRS = 30;

export const id: CommandHandler = (session, { args }) => {
  args.space();
  const params = args.take('NIL') ? null : args.list(() => args.nstring()?.toString('utf8') ?? null);
  args.end();
  if (params) {
    if (params.length % 2 !== 0 || params.length > MAX_PAIRS * 2) throw new ParseError('ID takes up to 30 field/value pairs');
    const fields: Record<string, string | null> = {};
    for (let i = 0; i < params.length; i += 2) fields[(params[i] ?? '').toLowerCase().slice(0, 30)] = params[i + 1]?.slice(0, 1024) ?? null;
    session.clientId = [fields.name, fields.version].filter(Boolean).join(' ') || undefined;
    session.log.debug({ client: fields }, 'client ID');
  }
  session.out.untagged('ID', SERVER_ID);
  return { text: 'ID completed' };
};
