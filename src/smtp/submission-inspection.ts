import { createHash } from 'node:crypto';
import { messageFacts, rulesOf, type MessageFacts, type RulesSnapshot } from '../filters/index.js';
import { analyzeMessage, type MessageAnalysis } from '../mime/index.js';
import { defineTask, type SharedRef, type TaskEnv } from '../workers/index.js';
import { joinPieces, type CrossingPieces } from './message-pieces.js';

interface SubmissionInspectionInput {
  /** The message as it goes on: our fields, then the received bytes (shared memory or spool file ranges). */
  readonly pieces: CrossingPieces;
  /** The rule set the outbound filters check it against (FilterPipeline.begin), sent once per worker. */
  readonly rules: SharedRef<RulesSnapshot>;
  /** Local recipients get it: the store needs its MIME analysis, and, for a spooled message, its SHA-256. */
  readonly forStore: 'none' | 'analysis' | 'analysis-and-digest';
}

export interface SubmissionInspection {
  readonly facts: MessageFacts;
  readonly analysis: MessageAnalysis | null;
  readonly sha256: string | null;
}

/**
 * One worker job per submitted message (src/workers, within `[limits] message_cpu_budget`): the
 * outbound filters' facts and, when local recipients get it, the MIME analysis the store keeps
 * (DESIGN.md "Messages") and the digest it files a spooled message under — all from one copy of
 * the message the worker joins from its pieces, reading a spooled body from its file itself, so
 * that the main thread never holds it whole.
 */
export const INSPECT_SUBMISSION = defineTask<SubmissionInspectionInput, SubmissionInspection>(new URL(import.meta.url), 'inspectSubmissionTask');

export async function inspectSubmissionTask(input: SubmissionInspectionInput, env: TaskEnv): Promise<SubmissionInspection> {
  const message = joinPieces(input.pieces);
  const analysis = input.forStore === 'none' ? null : analyzeMessage(message);
  return {
    facts: await messageFacts(message, rulesOf(env.shared(input.rules)), 'outbound', analysis?.structure),
    analysis,
    sha256: input.forStore === 'analysis-and-digest' ? createHash('sha256').update(message).digest('hex') : null,
  };
}
