/**
 * RFC 5256 §2.1 base subject extraction, used by SORT SUBJECT and both THREAD algorithms. The
 * result is compared through the sort collation (sort.ts), so case is left as it is here.
 */
import { decodeEncodedWords } from '../../text/index.js';

export interface BaseSubject {
  readonly text: string;
  /** §4 REFERENCES step 5: the subject had a reply or forward marker before it (Re:, Fwd:, [fwd: …]). */
  readonly replyOrForward: boolean;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP ; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const BLOB = String.raw`\[[^[\]]*\][ \t]*`;
const LEADER = new RegExp(String.raw`^(?:(?:${BLOB})*(?:re|fwd?)[ \t]*(?:${BLOB})?:|[ \t]+)`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);
// subj-trailer = "(fwd)" / WSP
const TRAILER = /(?:\(fwd\)|[ \t])$/i;
// subj-fwd-hdr = "[fwd:" ; subj-fwd-trl = "]"
const FWD_HEADER = /^\[fwd:/i;

export function baseSubject(raw: string | null): BaseSubject {
  // (1) encoded-words decoded; tabs and line breaks of folding become spaces; runs of spaces one.
  let subject = decodeEncodedWords(raw ?? '').replace(/\r?\n/g, '').replace(/[ \t]+/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) trailers off, as long as there are any.
    for (let trimmed = subject.replace(TRAILER, ''); trimmed !== subject; trimmed = subject.replace(TRAILER, '')) {
      if (/\(fwd\)$/i.test(subject)) replyOrForward = true;
      subject = trimmed;
    }
    // (3)-(5) leaders, and a leading blob when something remains after it, until neither applies.
    for (let changed = true; changed; ) {
      changed = false;
      const leader = LEADER.exec(subject);
      if (leader && leader[0].length > 0) {
        if (/[^ \t]/.test(leader[0])) replyOrForward = true;
        subject = subject.slice(leader[0].length);
        changed = true;
      }
      const blob = LEADING_BLOB.exec(subject);
      if (blob && subject.length > blob[0].length) {
        subject = subject.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) "[fwd: … ]" around the whole subject: off, and again from (2).
    if (FWD_HEADER.test(subject) && subject.endsWith(']')) {
      subject = subject.slice(5, -1);
      replyOrForward = true;
      continue;
    }
    return { text: subject, replyOrForward };
  }
}
