import type { AppContext } from '../context.js';
import type { ScannedBytes } from '../filters/index.js';
import { replies } from './reply.js';

/**
 * A spooled message's copies in the worker that reads it whole (inspection.ts,
 * submission-inspection.ts), reserved for the job's length (DESIGN.md "Config" [limits]
 * memory_ceiling): the bytes read from the file, the traced message, and what the parsers decode
 * of it (mailparser's text and parts). Measured: with two, two such jobs at once took RSS past the
 * bound of test/hostile/mx-memory.test.ts. The main thread holds none: the scan and the store read
 * the file a chunk at a time.
 */
const SPOOLED_INSPECTION_COPIES = 3;

/**
 * Runs `job` (a worker's work on the message) with the worker's copies of a spooled message
 * reserved from `[limits] memory_ceiling` for its length: 452 4.3.1 when they do not fit. A
 * message in memory was reserved as it arrived (message-reader.ts).
 */
export async function whileWorkerHolds<T>(ctx: AppContext, original: ScannedBytes, job: () => Promise<T>): Promise<T> {
  if (Buffer.isBuffer(original)) return job();
  const reservation = ctx.memory.reserve(original.size * SPOOLED_INSPECTION_COPIES);
  if (reservation === null) throw replies.outOfMemoryBudget();
  try {
    return await job();
  } finally {
    reservation.release();
  }
}
