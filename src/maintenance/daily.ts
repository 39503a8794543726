import type { Logger } from 'pino';

/**
 * Runs a job once a day inside the server (or every `intervalMs`: the unit diligence check runs
 * every few minutes): first `firstDelayMs` after start (not during start-up, which has enough to
 * do), then every `intervalMs`. Unref'd timers: never keep a process alive. A run that throws (or
 * whose promise rejects) is logged and the schedule goes on. Returns the function that stops it.
 */
export function scheduleDaily(
  name: string,
  job: () => unknown,
  logger: Logger,
  options: { readonly firstDelayMs?: number; readonly intervalMs?: number } = {},
): () => void {
  const run = async () => {
    try {
      logger.info({ job: name, result: await job() }, 'maintenance job done');
    } catch (err) {
      logger.error({ err, job: name }, 'maintenance job failed');
    }
  };
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    void run();
    interval = setInterval(() => void run(), options.intervalMs ?? 86_400_000).unref();
  }, options.firstDelayMs ?? 5 * 60_000).unref();
  return () => {
    clearTimeout(first);
    if (interval) clearInterval(interval);
  };
}
