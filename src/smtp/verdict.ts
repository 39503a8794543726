import type { Verdict } from '../filters/index.js';
import { prependFields, tagSubject } from './headers.js';
import { SmtpReply } from './reply.js';

/** A reject or tempfail verdict as the reply the client gets; null when the message may be kept. */
export function verdictRefusal(verdict: Verdict): SmtpReply | null {
  if (verdict.action === 'reject') {
    const reply = verdict.reply ?? { code: 550, enhanced: '5.7.1', text: 'Message refused by content filter' };
    return new SmtpReply(reply.code, reply.enhanced, reply.text, refusalReason(verdict));
  }
  if (verdict.action === 'tempfail') {
    const reply = verdict.reply ?? { code: 451, enhanced: '4.7.1', text: 'Message could not be checked now, try again later' };
    return new SmtpReply(reply.code, reply.enhanced, reply.text, refusalReason(verdict));
  }
  return null;
}

/** The metrics reason of a refusing verdict: "virus", "blocked", "spam", "scanner-unavailable" or "filter-tempfail". */
export function refusalReason(verdict: Verdict): string {
  const ids = verdict.reasons.map((r) => r.id);
  if (verdict.action === 'tempfail') return ids.includes('virus:unavailable') ? 'scanner-unavailable' : 'filter-tempfail';
  if (ids.includes('virus')) return 'virus';
  return ids.includes('block') ? 'blocked' : 'spam';
}

/** The stored copy: the filter's headers on top and the subject tag, if any. */
export function applyVerdict(raw: Buffer, verdict: Verdict): Buffer {
  const tagged = verdict.subjectTag ? tagSubject(raw, verdict.subjectTag) : raw;
  return prependFields(tagged, verdictFields(verdict));
}

/** The filter's header fields, as lines to put on top of the stored copy. */
export function verdictFields(verdict: Verdict): string[] {
  return verdict.addHeaders.map(([name, value]) => `${name}: ${value}`);
}
