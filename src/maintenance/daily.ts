import type { Logger } from 'pino';

/**
 * Runs a job once a day inside the server (or every `intervalMs`: the unit diligence check runs
 * every few minutes): first `firstDelayMs` after start (not during start-up, which has enough to
 * do), then every `intervalMs`. Unref'd timers: never keep a process alive. A run that throws (or
 * whose promise rejects) is logged and the schedule goes on. Returns the function that stops it.
 * A run is logged at info only when `didWork` says it did something, else at debug: a check every
 * few minutes that finds nothing to do would otherwise fill the log with lines nobody reads.
 */
export function scheduleDaily<Result>(
  name: string,
  job: () => Result | Promise<Result>,
  logger: Logger,
  options: { readonly didWork: (result: Result) => boolean; readonly firstDelayMs?: number; readonly intervalMs?: number },
): () => void {
  const run = async () => {
    try {
      const result = await job();
      logger[options.didWork(result) ? 'info' : 'debug']({ job: name, result }, 'maintenance job done');
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
