import { foldVietnamese } from '../../text/index.js';
import type { MessageView } from '../message-view.js';
import { headerTokens } from './header-tokens.js';
import { listRelay, withoutListFooter, withoutListTag } from './list-relay.js';

/**
 * Tokens Bayes learns from. Vietnamese is written in space-separated syllables, and words are
 * usually two syllables ("khuyến mãi", "giảm giá"), so besides single syllables we emit pairs of
 * neighbouring syllables. Spam often drops the diacritics ("khuyen mai") to dodge filters, so each
 * syllable and pair is also emitted folded (foldVietnamese); a syllable that is already plain
 * ASCII yields one token. Subject words get a prefix of their own, since "free" in a subject says
 * more than "free" in a body; header and structure tokens are header-tokens.ts's.
 */
const MAX_TOKENS = 3000;
const MAX_WORD = 30;
const WORD = /[\p{L}\p{M}\p{N}]+(?:[.'’@-][\p{L}\p{M}\p{N}]+)*/gu;

/**
 * Whether a token says how the message was made and sent (header-tokens.ts: headers, MIME
 * structure, HTML shape, links) rather than what it says (subject and body words). Every
 * header-tokens.ts token is "prefix:…"; words never contain ":" (WORD), and the text's own
 * prefixed tokens are the subject's "s:" and the long-word "skip:". Bayes judges the two kinds
 * separately (bayes/filter.ts).
 */
export function isHeaderToken(token: string): boolean {
  return token.includes(':') && !token.startsWith('s:') && !token.startsWith('skip:');
}

export function tokenize(message: MessageView): string[] {
  const tokens = new Set<string>();
  const add = (token: string) => {
    if (tokens.size < MAX_TOKENS) tokens.add(token);
  };

  // Headers and structure first: a long body must not crowd them out of MAX_TOKENS.
  const relay = listRelay(message);
  headerTokens(message, relay, add);
  addText(withoutListTag(message.subject, relay), 's:', add);
  addText(withoutListFooter(message.text, relay), '', add);
  return [...tokens];
}

function addText(text: string, prefix: string, add: (token: string) => void): void {
  let previousFolded: string | null = null;
  for (const match of text.normalize('NFC').matchAll(WORD)) {
    const word = match[0].toLowerCase();
    if (word.length > MAX_WORD) {
      // SpamBayes' trick: a very long "word" is noise, but its first letter and length class are signal.
      add(`${prefix}skip:${word[0]}${Math.floor(word.length / 10) * 10}`);
      previousFolded = null;
      continue;
    }
    if (/^\d+$/.test(word) && word.length > 4) {
      previousFolded = null;
      continue;
    }
    const folded = foldVietnamese(word);
    add(prefix + word);
    if (folded !== word) add(prefix + folded);
    if (previousFolded !== null) add(`${prefix}${previousFolded} ${folded}`);
    previousFolded = folded;
  }
}
