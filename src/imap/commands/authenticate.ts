import { ImapError, ParseError } from '../errors.js';
import { completeLogin, requirePrivacy } from './login.js';
import type { CommandHandler } from './handler.js';

/** RFC 4616 PLAIN carries at most 255 octets per field; a little slack for base64. */
const MAX_RESPONSE = 2048;

function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ParseError('SASL response is not base64');
  return Buffer.from(text, 'base64');
}

/**
 * RFC 3501 §6.2.2 AUTHENTICATE with the PLAIN mechanism (RFC 4616), initial response allowed on the
 * command line (RFC 4959 SASL-IR; "=" is an empty one). An authorization identity different from
 * the authentication identity asks for a unit mailbox: it becomes the `unit*person` login.
 */
export const authenticate: CommandHandler = async (session, { args }) => {
  args.space();
  const mechanism = args.keyword();
  let initial: string | null = null;
  if (!args.atEnd()) {
    args.space();
    initial = args.readWhile((b) => b !== 0x20, 'an initial response');
  }
  args.end();
  if (mechanism !== 'PLAIN') throw new ImapError('NO', 'CANNOT', `Unsupported mechanism ${mechanism.slice(0, 20)}; use PLAIN`);
  let response = initial;
  if (response === null) {
    // Refused before the continuation: a "+" would invite the client to send its password in the clear.
    requirePrivacy(session);
    session.out.continuation('');
    const line = await session.readLine();
    if (line === null) throw new ImapError('BAD', null, 'Connection closed during AUTHENTICATE');
    if (line.length > MAX_RESPONSE) throw new ParseError('SASL response too long');
    response = line.toString('latin1');
  }
  if (response === '*') throw new ImapError('BAD', null, 'AUTHENTICATE cancelled'); // RFC 3501 §6.2.2
  const fields = (response === '=' ? Buffer.alloc(0) : decodeBase64(response)).toString('utf8').split('\0');
  if (fields.length !== 3) throw new ParseError('PLAIN response must be authzid NUL authcid NUL password');
  const [authzid, authcid, password] = fields as [string, string, string];
  if (authcid === '' || password === '') throw new ImapError('NO', 'AUTHENTICATIONFAILED', 'Invalid credentials');
  const login = authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase() ? `${authzid}*${authcid}` : authcid;
  return completeLogin(session, login, password);
};
