import { foldVietnamese } from '../../text/index.js';
import { urlHost, type MessageView } from '../message-view.js';

/**
 * Tokens Bayes learns from. Vietnamese is written in space-separated syllables, and words are
 * usually two syllables ("khuyến mãi", "giảm giá"), so besides single syllables we emit pairs of
 * neighbouring syllables. Spam often drops the diacritics ("khuyen mai") to dodge filters, so each
 * syllable and pair is also emitted folded (foldVietnamese); a syllable that is already plain
 * ASCII yields one token. Subject words, URL hosts and a few header facts get a prefix of their
 * own, since "free" in a subject says more than "free" in a body.
 *
 * Our own X-Spam-* / X-Virus-* headers are never read: learning from them would teach Bayes its
 * own earlier opinion.
 */
const MAX_TOKENS = 3000;
const MAX_WORD = 30;
const WORD = /[\p{L}\p{M}\p{N}]+(?:[.'’@-][\p{L}\p{M}\p{N}]+)*/gu;

export function tokenize(message: MessageView): string[] {
  const tokens = new Set<string>();
  const add = (token: string) => {
    if (tokens.size < MAX_TOKENS) tokens.add(token);
  };

  addText(message.subject, 's:', add);
  addText(message.text, '', add);

  for (const url of message.urls) {
    const host = urlHost(url);
    if (host === null) continue;
    // "login.bank.example.vn" also yields "bank.example.vn" and "example.vn".
    const labels = host.split('.');
    for (let i = 0; i < labels.length - 1; i++) add(`url:${labels.slice(i).join('.')}`);
  }

  const fromDomain = message.fromAddress.split('@')[1];
  if (fromDomain) add(`from:${fromDomain}`);
  for (const [name, prefix] of [['reply-to', 'reply-to:'], ['message-id', 'msgid:']] as const) {
    const domain = /@([^>\s]+)/.exec(message.headers.get(name)?.[0] ?? '')?.[1];
    if (domain) add(`${prefix}${domain.toLowerCase()}`);
  }
  const mailer = message.headers.get('x-mailer')?.[0] ?? message.headers.get('user-agent')?.[0];
  if (mailer) add(`mailer:${mailer.toLowerCase().split(/[\s/]/)[0]}`);
  const contentType = message.headers.get('content-type')?.[0];
  if (contentType) add(`ct:${contentType.toLowerCase().split(';')[0]!.trim()}`);
  for (const attachment of message.attachments) {
    add(`att:${attachment.type}`);
    const ext = /\.([a-z0-9]{1,8})$/i.exec(attachment.name)?.[1];
    if (ext) add(`att-ext:${ext.toLowerCase()}`);
  }
  if (message.parseProblem !== null) add('mime:unparsable');
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
