import { asBuffer, defineTask } from '../workers/index.js';
import { analyzeMessage } from './analyze.js';
import type { MessageAnalysis } from './types.js';

/** analyzeMessage on a worker thread (src/workers): the SMTP edge analyses each message there, once. */
export const ANALYZE_MESSAGE = defineTask<Uint8Array, MessageAnalysis>(new URL(import.meta.url), 'analyzeTask');

export function analyzeTask(raw: Uint8Array): MessageAnalysis {
  return analyzeMessage(asBuffer(raw));
}
