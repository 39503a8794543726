import type { Logger } from 'pino';

/**
 * Runs a job once a day inside the server: first `firstDelayMs` after start (not during start-up,
 * which has enough to do), then every `intervalMs`. Unref'd timers: never keep a process alive.
 * A run that throws is logged and the schedule goes on. Returns the function that stops it.
 */
export function scheduleDaily(
  name: string,
  job: () => unknown,
  logger: Logger,
  options: { readonly firstDelayMs?: number; readonly intervalMs?: number } = {},
): () => void {
  const run = () => {
    try {
      logger.info({ job: name, result: job() }, 'maintenance job done');
    } catch (err) {
      logger.error({ err, job: name }, 'maintenance job failed');
    }
  };
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    run();
    interval = setInterval(run, options.intervalMs ?? 86_400_000).unref();
  }, options.firstDelayMs ?? 5 * 60_000).unref();
  return () => {
    clearTimeout(first);
    if (interval) clearInterval(interval);
  };
}
