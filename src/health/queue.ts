import type { OutboundQueue } from '../store/index.js';
import type { ComponentHealth } from './monitor.js';

/**
 * A recipient due longer ago than this means the queue worker is not working the queue (it
 * retries due recipients within seconds); a long queue of remote failures alone is not a fault
 * of ours and stays `ok` (`cantho-mail queue list` shows it).
 */
const STUCK_AFTER_MS = 10 * 60_000;

/** `queue`: outbound messages waiting, and whether the worker keeps up. */
export function queueCheck(queue: OutboundQueue, now: () => number = Date.now): () => Promise<ComponentHealth> {
  return async () => {
    const [pending, due] = await Promise.all([queue.pendingCount(), queue.nextDueAt()]);
    const lateMs = due === null ? 0 : now() - due.getTime();
    if (lateMs > STUCK_AFTER_MS) {
      return { status: 'degraded', detail: `${pending} messages waiting; one has been due for ${Math.round(lateMs / 60_000)} min: the outbound queue is not being worked` };
    }
    return { status: 'ok', detail: `${pending} messages waiting` };
  };
}
