import type { SMTPServerSession } from 'smtp-server';
import { fieldValue, headerFields, type HeaderField } from './headers.js';

/** RFC 5322 §3.3 date-time in UTC, e.g. "Sat, 28 Nov 2026 07:30:00 +0000". */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * RFC 5321 §4.4 trace field. `clientName` is the client's confirmed reverse name
 * (client-lookups.ts), or null and the TCP-info is the address literal alone. `with` is
 * smtp-server's transmission type (ESMTP, ESMTPS, ESMTPSA …, RFC 3848); `id` names the message
 * (connection id and transaction number), so it is unique per message. The recipient is named
 * only when there is one, so a Bcc list does not leak.
 */
export function receivedHeader(session: SMTPServerSession, hostname: string, now: Date, clientName: string | null): string {
  const helo = session.hostNameAppearsAs || 'unknown';
  const ip = `[${session.remoteAddress}]`;
  const tcpInfo = clientName === null ? ip : `${clientName} ${ip}`;
  const tls = session.tlsOptions ? ` (${session.tlsOptions.version} ${session.tlsOptions.name})` : '';
  const recipients = session.envelope.rcptTo;
  const forClause = recipients.length === 1 ? `\r\n\tfor <${recipients[0]!.address}>` : '';
  return (
    `Received: from ${helo} (${tcpInfo})\r\n` +
    `\tby ${hostname} (cantho-mail) with ${session.transmissionType}${tls} id ${session.id}.${session.transaction}${forClause};\r\n` +
    `\t${rfc5322Date(now)}`
  );
}

/**
 * RFC 8601 §5: an Authentication-Results field that claims our authserv-id but was not added by us
 * is forged and must not reach the reader's client: the fields to leave out, in message order.
 */
export function forgedAuthResults(raw: Buffer, hostname: string): HeaderField[] {
  const ours = hostname.toLowerCase();
  return headerFields(raw).filter((field) => field.name === 'authentication-results' && authservId(fieldValue(raw, field)) === ours);
}

/** The authserv-id: the first token of the value, before any ";" or version number. */
function authservId(value: string): string {
  return (value.split(/[;\s]/, 1)[0] ?? '').toLowerCase();
}
