import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { asBuffer, defineTask } from '../workers/index.js';
import { analyzeMessage } from './analyze.js';
import type { MessageAnalysis } from './types.js';

/** analyzeMessage on a worker thread (src/workers): the SMTP edge analyses each message there, once. */
export const ANALYZE_MESSAGE = defineTask<Uint8Array, MessageAnalysis>(new URL(import.meta.url), 'analyzeTask');

export function analyzeTask(raw: Uint8Array): MessageAnalysis {
  return analyzeMessage(asBuffer(raw));
}

/**
 * analyzeMessage of a message spooled to a file (src/limits), read by the worker itself: the
 * message is whole in memory only inside a worker, for the analysis, so at most as many at once
 * as there are workers, and never on the main thread that then stores it from the file.
 */
export const ANALYZE_MESSAGE_FILE = defineTask<string, AnalysedFile>(new URL(import.meta.url), 'analyzeFileTask');

/** A spooled message's analysis and the SHA-256 the store files it under, both read from the one copy the worker holds. */
export interface AnalysedFile {
  readonly analysis: MessageAnalysis;
  readonly sha256: string;
}

export function analyzeFileTask(file: string): AnalysedFile {
  const raw = readFileSync(file);
  return { analysis: analyzeMessage(raw), sha256: createHash('sha256').update(raw).digest('hex') };
}
