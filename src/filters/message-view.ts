/**
 * The view of a message the spam rules and Bayes look at (read by message.ts), in a file of its
 * own so that Bayes' tokenizer, which message.ts runs, can name it without importing it back.
 */

import type { MessageStructure } from './structure/facts.js';

export interface AttachmentInfo {
  readonly name: string;
  /** Lowercase MIME type, "application/zip". */
  readonly type: string;
}

export interface MessageView {
  readonly size: number;
  /** Lowercase header name → decoded, unfolded values in message order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly subject: string;
  /** The decoded From: header as written ("Nguyễn Văn An <annv@cantho.gov.vn>"). */
  readonly from: string;
  /** The address inside From:, lowercase, or "" when there is none. */
  readonly fromAddress: string;
  /** Decoded text of the body: the plain text parts, then the text of the HTML parts; at most TEXT_LIMIT (message.ts) characters. */
  readonly text: string;
  /** The undecoded body as latin1 (byte = character); at most TEXT_LIMIT (message.ts) characters. */
  readonly rawBody: string;
  readonly urls: readonly string[];
  readonly attachments: readonly AttachmentInfo[];
  /** Why the MIME structure could not be parsed, or null. */
  readonly parseProblem: string | null;
  /** MIME parts, HTML tags, links and hidden text, for the structural rules and Bayes (structure/facts.ts). */
  readonly structure: MessageStructure;
  /** Bayes' tokens (bayes/tokenize.ts), when the view was read on a worker thread; else Bayes tokenizes. */
  readonly bayesTokens?: readonly string[];
}

/**
 * What the filters on the main thread need of a message, read on a worker thread (message.ts
 * messageFacts): a few header facts, Bayes' tokens and the text rules that match.
 */
export interface MessageFacts extends Pick<MessageView, 'size' | 'from' | 'fromAddress' | 'parseProblem'> {
  readonly bayesTokens: readonly string[];
  /** The body's fuzzy fingerprint (bayes/fingerprint.ts), or null when the body is too short for one. */
  readonly bodyFingerprint: readonly number[] | null;
  /** Ids of the text rules of the rule set the facts were read under that match (rules/match.ts). */
  readonly textRuleHits: readonly string[];
}

/** The host of a URL found in a message ("bit.ly"), lowercase, or null. */
export function urlHost(url: string): string | null {
  try {
    return new URL(/^https?:/i.test(url) ? url : `http://${url}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
