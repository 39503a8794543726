import { listHeaderFields, type MimePart } from '../mime/index.js';
import { decodeEncodedWords } from '../text/index.js';
import { asBuffer, defineTask } from '../workers/index.js';
import { SieveRunLimit } from './budget.js';
import { compileSieve } from './compile.js';
import { SieveScriptError } from './errors.js';
import { runSieve, SieveRunError, TooManyRedirects } from './interpreter.js';
import { SIEVE_LIMITS } from './limits.js';
import type { SieveProgram } from './program.js';
import type { SieveMessage, SievePlan, SieveVerdictValues } from './types.js';
import { automaticAnswerRefused, vacationDecision, type VacationDecision } from './vacation.js';

/**
 * The delivery-time run of every recipient's script for one message, as one job on the worker
 * pool (src/workers): within `[limits] message_cpu_budget`, off the event loop. Imports nothing the
 * main thread owns. A script that fails to compile or to run yields an 'error' outcome, on which
 * the caller keeps the message (RFC 5228 §2.10.6).
 */
export const RUN_SIEVE = defineTask<SieveTaskInput, SieveOutcome[]>(new URL(import.meta.url), 'runSieveTask');

export interface SieveTaskInput {
  /** The message's header block. */
  readonly header: Uint8Array;
  /** The whole message's octets (RFC 5228 §5.9 size). */
  readonly size: number;
  readonly bodyText: string;
  /** For body :raw and :content (RFC 5173 §5): the message's first octets (header block included) and its MIME structure; null when no script asks. */
  readonly body: { readonly prefix: Uint8Array; readonly structure: MimePart } | null;
  readonly mailFrom: string;
  /** The time of delivery, for currentdate (RFC 5260 §5). */
  readonly now: number;
  readonly verdict: SieveVerdictValues;
  readonly runs: ReadonlyArray<{
    readonly recipient: string;
    readonly script: string;
    /** The recipient's own addresses (its account and aliases), for vacation's To/Cc check. */
    readonly ownAddresses: readonly string[];
    /** The recipient's folders, for mailboxexists (RFC 5490 §3.1). */
    readonly folders: readonly string[];
  }>;
}

export type SieveOutcome =
  | {
      readonly recipient: string;
      readonly kind: 'plan';
      readonly plan: SievePlan;
      readonly vacation: VacationDecision | null;
      /** Whether a rejection may be reported to the sender (RFC 3834 §2: never to null, program or automatic senders). */
      readonly mayNotifySender: boolean;
    }
  | { readonly recipient: string; readonly kind: 'error'; readonly reason: string };

/** Compiled scripts this worker keeps; past it the oldest goes (bounded memory). */
const KEPT_SCRIPTS = 256;
const compiled = new Map<string, SieveProgram>();

/**
 * A script's program, compiled on its first message in this worker and kept by its text: the
 * same text always compiles to the same program, and a changed script is a new key. A program is
 * shared by every later run, so it is frozen: the interpreter only reads it (its types are
 * readonly), and a mutation would throw instead of leaking into the next message.
 */
function compiledScript(text: string): SieveProgram {
  const known = compiled.get(text);
  if (known) return known;
  const program = deepFreeze(compileSieve(text));
  if (compiled.size >= KEPT_SCRIPTS) compiled.delete(compiled.keys().next().value!);
  compiled.set(text, program);
  return program;
}

function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function runSieveTask(input: SieveTaskInput): SieveOutcome[] {
  const header = asBuffer(input.header);
  const headers = listHeaderFields(header, 0, header.length).map(({ name, value }) => ({
    name,
    value: decodeEncodedWords(value.slice(0, SIEVE_LIMITS.maxSubjectLength)),
  }));
  const bodyText = input.bodyText.slice(0, SIEVE_LIMITS.maxSubjectLength * 16);
  const body = input.body ? { prefix: asBuffer(input.body.prefix), headerSize: header.length, structure: input.body.structure } : null;
  return input.runs.map(({ recipient, script, ownAddresses, folders }) => {
    const message: SieveMessage = { headers, bodyText, size: input.size, envelope: { from: input.mailFrom, to: recipient }, now: input.now, verdict: input.verdict, folders, body };
    try {
      const plan = runSieve(compiledScript(script), message);
      const vacation = plan.vacation ? vacationDecision(plan.vacation, message, ownAddresses) : null;
      return { recipient, kind: 'plan', plan, vacation, mayNotifySender: automaticAnswerRefused(message) === null };
    } catch (error) {
      if (error instanceof SieveScriptError || error instanceof SieveRunLimit || error instanceof TooManyRedirects || error instanceof SieveRunError) {
        return { recipient, kind: 'error', reason: error.message };
      }
      throw error;
    }
  });
}
