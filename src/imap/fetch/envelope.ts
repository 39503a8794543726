/**
 * RFC 3501 §7.4.2 ENVELOPE from the Envelope stored at delivery (src/mime/envelope.ts, which
 * already filled sender and reply-to from from): only a change of shape happens here.
 */
import type { Envelope, EnvelopeAddress } from '../../store/index.js';
import { adjacent, type ImapValue } from '../responses.js';

/** RFC 3501 §9 `"(" 1*address ")"` (no space between the addresses), or NIL for none. */
function addressList(list: readonly EnvelopeAddress[] | null): ImapValue {
  if (!list || list.length === 0) return null;
  return [adjacent(list.map((a) => [a.name, a.adl, a.mailbox, a.host]))];
}

/** `(date subject from sender reply-to to cc bcc in-reply-to message-id)`. */
export function envelopeValue(envelope: Envelope): ImapValue {
  return [
    envelope.date,
    envelope.subject,
    addressList(envelope.from),
    addressList(envelope.sender),
    addressList(envelope.replyTo),
    addressList(envelope.to),
    addressList(envelope.cc),
    addressList(envelope.bcc),
    envelope.inReplyTo,
    envelope.messageId,
  ];
}
