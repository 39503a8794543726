import { parseMessage, readMessageText, type MimePart } from '../mime/index.js';
import { decodeEncodedWords } from '../text/index.js';
import { htmlToText } from '../text/index.js';
import { asBuffer, defineTask, type SharedRef, type TaskEnv } from '../workers/index.js';
import { bodyFingerprint } from './bayes/fingerprint.js';
import { tokenize } from './bayes/tokenize.js';
import type { MessageFacts, MessageView } from './message-view.js';
import type { RuleSet } from './rules/compile.js';
import { matchTextRules } from './rules/match.js';
import { rulesOf } from './rules/snapshot.js';
import type { RulesSnapshot } from './verdict.js';
import type { FilterContext } from './verdict.js';

export { urlHost, type AttachmentInfo, type MessageFacts, type MessageView } from './message-view.js';
import { readStructure } from './structure/facts.js';

/**
 * What the spam rules and Bayes look at, computed once per message from the raw bytes (in memory:
 * SMTP hands us the Buffer it received; nothing is written to disk).
 *
 * The text parts and attachments come from the message's MIME structure (src/mime, the one
 * message model), the structure the store keeps: SMTP's inspection hands over the one it computed
 * for the store, so a message is parsed once.
 *
 * Bounds: regexes written by admins run over at most TEXT_LIMIT characters per field, so a 20 MB
 * single-line body costs one bounded scan instead of 200 regexes over 20 MB. A message of more
 * MIME parts than src/mime reads for its text still gets a view from the parts read and its raw
 * body, and `parseProblem` says why (scored by the rules file's `[parser] unparsable_score`).
 */
export const TEXT_LIMIT = 1024 * 1024;
/** Header block we read ourselves; mailsplit uses the same 1 MB cap. */
const HEADER_LIMIT = 1024 * 1024;
const URL_LIMIT = 1000;

/**
 * What the filters on the main thread need of a message: a few header facts, Bayes' tokens and
 * the text rules that match. Reading the view (MIME text, HTML→text, URLs), tokenizing and the
 * rules' regexes are the filters' costly part and grow with what a sender writes, so SMTP
 * computes the facts on a worker thread (src/workers), in the same job as the rest of the
 * message's analysis; only these facts cross back.
 */

/** `structure`: the message's MIME structure when the caller has it already (src/mime analyzeMessage). */
export async function messageFacts(raw: Buffer, rules: RuleSet, direction: FilterContext['direction'], structure?: MimePart): Promise<MessageFacts> {
  const view = await readMessage(raw, structure);
  const tokens = tokenize(view);
  return {
    size: view.size,
    from: view.from,
    fromAddress: view.fromAddress,
    parseProblem: view.parseProblem,
    bayesTokens: tokens,
    bodyFingerprint: bodyFingerprint(tokens),
    textRuleHits: matchTextRules(view, rules, direction),
  };
}

interface FactsInput {
  readonly raw: Uint8Array;
  /** Sent once per worker (snapshotOf), not with every job. */
  readonly rules: SharedRef<RulesSnapshot>;
  readonly direction: FilterContext['direction'];
}

/** messageFacts on a worker thread, for a message nobody analysed yet (submission, `check`). */
export const MESSAGE_FACTS = defineTask<FactsInput, MessageFacts>(new URL(import.meta.url), 'messageFactsTask');

export function messageFactsTask(input: FactsInput, env: TaskEnv): Promise<MessageFacts> {
  return messageFacts(asBuffer(input.raw), rulesOf(env.shared(input.rules)), input.direction);
}

/** A message's Bayes tokens on a worker thread: what learning from users' Junk moves needs. */
export const BAYES_TOKENS = defineTask<Uint8Array, readonly string[]>(new URL(import.meta.url), 'bayesTokensTask');

export async function bayesTokensTask(raw: Uint8Array): Promise<readonly string[]> {
  return tokenize(await readMessage(asBuffer(raw)));
}

export async function readMessage(raw: Buffer, structure: MimePart = parseMessage(raw).structure): Promise<MessageView> {
  const { headerText, bodyStart } = splitHeader(raw);
  const headers = parseHeaders(headerText);
  const subject = headers.get('subject')?.[0] ?? '';
  const from = headers.get('from')?.[0] ?? '';
  const fromAddress = extractAddress(from);
  const rawBody = raw.subarray(bodyStart, bodyStart + TEXT_LIMIT).toString('latin1');
  const parts = readMessageText(raw, structure, TEXT_LIMIT);
  const html = parts.html;
  // The text of the HTML parts is read besides the plain text: a spam whose HTML alternative
  // says something else than its plain text part is scored on both.
  const htmlText = html === '' ? '' : htmlToText(html);
  const plainLength = parts.plain.trim().length;
  // NFC: a patterns's "ã" is one code point; mail composed on some systems sends "a" + U+0303.
  const readable = parts.plain === '' ? htmlText : htmlText === '' ? parts.plain : `${parts.plain}\n${htmlText}`;
  // A message whose parts are not all read is judged on its raw body: all of it, as sent.
  const text = (parts.problem === null ? readable : rawBody).slice(0, TEXT_LIMIT).normalize('NFC');
  const structureFacts = readStructure(headers, rawBody, html, plainLength, Math.max(0, text.length - plainLength));
  return { size: raw.length, headers, subject, from, fromAddress, text, rawBody, urls: extractUrls(text, html), attachments: parts.attachments, parseProblem: parts.problem, structure: structureFacts };
}

function splitHeader(raw: Buffer): { headerText: string; bodyStart: number } {
  const window = raw.subarray(0, HEADER_LIMIT);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerText: window.subarray(0, crlf).toString('utf8'), bodyStart: crlf + 4 };
  if (lf !== -1) return { headerText: window.subarray(0, lf).toString('utf8'), bodyStart: lf + 2 };
  return { headerText: window.toString('utf8'), bodyStart: raw.length };
}

/** RFC 5322 §2.2.3: a line starting with whitespace continues the previous field (unfolding). */
function parseHeaders(headerText: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const fields: string[] = [];
  for (const line of headerText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += ' ' + line.trim();
    else fields.push(line);
  }
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = decodeEncodedWords(field.slice(colon + 1).trim()).normalize('NFC');
    const list = headers.get(name);
    if (list) list.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

function extractAddress(from: string): string {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(from);
  if (angle) return angle[1]!.toLowerCase();
  const bare = /[^\s<>"(),;:]+@[^\s<>"(),;:]+/.exec(from);
  return bare ? bare[0].toLowerCase() : '';
}

const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>()\[\]{}]+|\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s"'<>()\[\]{}]*/giu;
/** What every URL_PATTERN match contains: a plain scan for it is several times cheaper than the pattern on text without links. */
const URL_HINT = /http|www\./i;

function extractUrls(text: string, html: string): string[] {
  const urls = new Set<string>();
  for (const source of [text, html]) {
    if (!URL_HINT.test(source)) continue;
    for (const match of source.matchAll(URL_PATTERN)) {
      urls.add(match[0].replace(/[.,;:!?]+$/, ''));
      if (urls.size >= URL_LIMIT) return [...urls];
    }
  }
  return [...urls];
}
