/** RFC 3501 §7.4.2 ENVELOPE from a message's header fields (raw values: encoded-words kept). */
import type { Envelope } from './types.js';
import { AddressBudget, parseAddressList } from './addresses.js';

/** The header fields ENVELOPE reads, lowercase. */
export const ENVELOPE_FIELDS = ['date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id'] as const;

export function envelopeFromFields(fields: ReadonlyMap<string, string>, budget: AddressBudget = new AddressBudget()): Envelope {
  const addresses = (name: string) => {
    const value = fields.get(name);
    return value === undefined ? null : parseAddressList(value, budget);
  };
  const from = addresses('from');
  return {
    date: fields.get('date') ?? null,
    subject: fields.get('subject') ?? null,
    from,
    // RFC 3501 §7.4.2: the server fills in sender and reply-to from from when they are absent.
    sender: addresses('sender') ?? from,
    replyTo: addresses('reply-to') ?? from,
    to: addresses('to'),
    cc: addresses('cc'),
    bcc: addresses('bcc'),
    inReplyTo: fields.get('in-reply-to') ?? null,
    messageId: fields.get('message-id') ?? null,
  };
}
