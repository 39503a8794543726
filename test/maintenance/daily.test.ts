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
    const stop = scheduleDaily('retention', job, logger, { didWork: (result) => result.purged > 0 });
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
    const stop = scheduleDaily('retention', job, { ...logger, error, info: vi.fn() } as unknown as pino.Logger, { didWork: () => true, firstDelayMs: 10, intervalMs: 100 });
    vi.advanceTimersByTime(210);
    expect(job).toHaveBeenCalledTimes(3);
    expect(error).toHaveBeenCalledTimes(3);
    expect(error.mock.calls[0]![1]).toBe('maintenance job failed');
    stop();
  });

  it('logs a run that did something at info, and one that found nothing to do at debug only', async () => {
    const info = vi.fn();
    const debug = vi.fn();
    let reminded = 0;
    const stop = scheduleDaily('unit diligence', () => Promise.resolve({ reminded }), { ...logger, info, debug } as unknown as pino.Logger, {
      didWork: (run) => run.reminded > 0,
      firstDelayMs: 10,
      intervalMs: 100,
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(info).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith({ job: 'unit diligence', result: { reminded: 0 } }, 'maintenance job done');
    reminded = 3;
    await vi.advanceTimersByTimeAsync(100);
    expect(info).toHaveBeenCalledWith({ job: 'unit diligence', result: { reminded: 3 } }, 'maintenance job done');
    expect(debug).toHaveBeenCalledTimes(1);
    stop();
  });
});
