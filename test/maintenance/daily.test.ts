import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scheduleDaily } from '../../src/maintenance/daily.js';

const logger = pino({ level: 'silent' });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the daily maintenance schedule', () => {
  it('runs first a few minutes after start, then once a day, until stopped', () => {
    const job = vi.fn(() => ({ purged: 0 }));
    const stop = scheduleDaily('retention', job, logger);
    vi.advanceTimersByTime(5 * 60_000 - 1);
    expect(job).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(job).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(job).toHaveBeenCalledTimes(2);
    stop();
    vi.advanceTimersByTime(3 * 24 * 3_600_000);
    expect(job).toHaveBeenCalledTimes(2);
  });

  it('logs a failed run and keeps the schedule', () => {
    const error = vi.fn();
    const job = vi.fn(() => {
      throw new Error('database is locked');
    });
    const stop = scheduleDaily('retention', job, { ...logger, error, info: vi.fn() } as unknown as pino.Logger, { firstDelayMs: 10, intervalMs: 100 });
    vi.advanceTimersByTime(210);
    expect(job).toHaveBeenCalledTimes(3);
    expect(error).toHaveBeenCalledTimes(3);
    expect(error.mock.calls[0]![1]).toBe('maintenance job failed');
    stop();
  });
});
