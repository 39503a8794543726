import { readFileSync } from 'node:fs';
import { messageFacts, rulesOf, type MessageFacts, type RulesSnapshot } from '../filters/index.js';
import { analyzeMessage, type MessageAnalysis } from '../mime/index.js';
import { asBuffer, defineTask, type SharedRef, type TaskEnv } from '../workers/index.js';
import { authenticateMessage, type InboundAuthentication, type InboundClient } from './authentication.js';
import { fieldValues, prependFields, type HeaderField } from './headers.js';
import { fromAuthors } from './senders.js';
import { forgedAuthResults } from './trace.js';

interface InspectionInput {
  /** The bytes in shared memory, or the spool file of a message over `[limits] spool_threshold`, read here. */
  readonly raw: Uint8Array | { readonly file: string };
  readonly client: InboundClient;
  /** Our hostname: mailauth's authserv-id, and whose Authentication-Results are forged when a message brings them. */
  readonly hostname: string;
  /** Our Received field (trace.ts), which goes on top of the stored copy. */
  readonly received: string;
  /** The rule set the filters check this message against (FilterPipeline.begin), sent once per worker. */
  readonly rules: SharedRef<RulesSnapshot>;
}

/** Everything the MX needs to know about a message's bytes, read in one job on a worker thread. */
export interface Inspection {
  readonly auth: InboundAuthentication;
  /** The addresses of its From: fields (senders.ts fromAuthors), for local-sender.ts. */
  readonly fromAddresses: readonly string[];
  /** Authentication-Results fields claiming our authserv-id (trace.ts), left out of the stored copy. */
  readonly forged: readonly HeaderField[];
  /** The trace fields to put on top, in order: our Received, then mailauth's results. */
  readonly traceFields: readonly string[];
  /** Size of the traced message: the trace fields on top of the bytes without the forged fields. */
  readonly tracedSize: number;
  /** The filters' facts and the MIME analysis, both of the traced message, as they are stored. */
  readonly facts: MessageFacts;
  readonly analysis: MessageAnalysis;
}

/**
 * One worker job per inbound message (src/workers, within `[limits] message_cpu_budget`):
 * authentication (mailauth), the traced message, the filters' facts (view, Bayes tokens, text
 * rules) and the MIME analysis (src/mime), from a single copy of the bytes in shared memory — or,
 * for a spooled message, read from its file by the worker itself: the whole message, since the
 * DKIM body hash (RFC 6376 §3.7) and the stored structure, envelope and search text (DESIGN.md
 * "Messages") cover all of it. Its memory is then the worker's, two copies (the bytes and the
 * traced message) for the job's length, and at most one job per worker at a time.
 * The traced message — trace fields on top, forged results taken out — is the one the filters
 * judge and the store keeps (the filters' own fields then go above it: withPrefixFields).
 */
export const INSPECT_INBOUND = defineTask<InspectionInput, Inspection>(new URL(import.meta.url), 'inspectInboundTask');

export async function inspectInboundTask(input: InspectionInput, env: TaskEnv): Promise<Inspection> {
  const raw = 'file' in input.raw ? readFileSync(input.raw.file) : asBuffer(input.raw);
  const auth = await authenticateMessage(raw, input.client, input.hostname, env);
  const forged = forgedAuthResults(raw, input.hostname);
  const traceFields = [input.received, auth.headers];
  const traced = prependFields(raw, traceFields, forged);
  // One MIME analysis for the store and the filters (src/mime "one message model").
  const analysis = analyzeMessage(traced);
  return {
    auth,
    fromAddresses: fieldValues(raw, 'from').flatMap(fromAuthors),
    forged,
    traceFields,
    tracedSize: traced.length,
    facts: await messageFacts(traced, rulesOf(env.shared(input.rules)), 'inbound', analysis.structure),
    analysis,
  };
}
