import type { Config } from '../config/index.js';
import { TimeSlices } from '../limits/index.js';

/**
 * The working calendar of `[units]` (docs/admin-guide.en.md "Unit mailbox diligence"): working
 * periods of a day, working days of the week and holidays, in the configured time zone. It ages a
 * unit INBOX message in working hours (Điều 9.2: what a reminder counts) and finds the working days
 * a digest is due on. Local wall-clock times become instants through the zone's offset that day
 * (Intl, at noon, kept per day); Asia/Ho_Chi_Minh has no daylight saving, so the offset is the
 * same all year (in a zone with it, times within a few hours of the switch may be off by the shift).
 */

/** A local calendar day, "2027-01-04". */
export type LocalDay = string;

export interface LocalTime {
  readonly day: LocalDay;
  /** Minutes after local midnight. */
  readonly minutes: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const MAX_CACHED_DAYS = 4000;

export class WorkingCalendar {
  private readonly parts: Intl.DateTimeFormat;
  private readonly holidays: ReadonlySet<string>;
  private readonly days: ReadonlySet<number>;
  /** The zone's offset at local noon, per day: Intl is the costly part, and a check asks the same days for every message. */
  private readonly offsets = new Map<LocalDay, number>();

  constructor(private readonly units: Config['units']) {
    this.parts = new Intl.DateTimeFormat('en-US', { timeZone: units.timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    this.holidays = new Set(units.holidays);
    this.days = new Set(units.working_days);
  }

  local(instant: Date): LocalTime {
    // The UTC day's offset first; when that lands on another local day, that day's offset.
    const utcDay = instant.toISOString().slice(0, 10);
    let wall = instant.getTime() + this.offsetOn(utcDay);
    const day = new Date(wall).toISOString().slice(0, 10);
    if (day !== utcDay) wall = instant.getTime() + this.offsetOn(day);
    return { day: new Date(wall).toISOString().slice(0, 10), minutes: Math.floor((wall % DAY_MS) / MINUTE_MS) };
  }

  isWorkingDay(day: LocalDay): boolean {
    return this.days.has(new Date(`${day}T00:00:00Z`).getUTCDay()) && !this.holidays.has(day);
  }

  /** The working day before `day` (weekends and holidays skipped). */
  previousWorkingDay(day: LocalDay): LocalDay {
    let candidate = addDays(day, -1);
    // A year without a working day would be a configuration nobody writes; stop there anyway.
    for (let i = 0; i < 366 && !this.isWorkingDay(candidate); i++) candidate = addDays(candidate, -1);
    return candidate;
  }

  /** The instant of local `minutes` after midnight of `day` (the day's offset: no zone we serve shifts within working hours). */
  instant(day: LocalDay, minutes: number): Date {
    return new Date(Date.parse(`${day}T00:00:00Z`) + minutes * MINUTE_MS - this.offsetOn(day));
  }

  /** Working time between two instants, in hours: only the working periods of working days count. */
  workingHoursBetween(from: Date, to: Date): number {
    if (to <= from) return 0;
    let total = 0;
    const last = this.local(to).day;
    for (let day = this.local(from).day; day <= last; day = addDays(day, 1)) {
      if (!this.isWorkingDay(day)) continue;
      for (const period of this.units.working_hours) {
        const start = Math.max(this.instant(day, period.start).getTime(), from.getTime());
        const end = Math.min(this.instant(day, period.end).getTime(), to.getTime());
        if (end > start) total += end - start;
      }
    }
    return total / 3_600_000;
  }

  /**
   * workingHoursBetween each of `instants` and `to`, in the same order, with the event loop free
   * between time slices (docs/architecture.md invariant 2): a reminder or digest may age thousands
   * of messages, each a walk over the days it waited.
   */
  async workingHoursSince(instants: readonly Date[], to: Date): Promise<number[]> {
    const slices = new TimeSlices();
    const hours: number[] = [];
    for (const from of instants) {
      await slices.pause();
      hours.push(this.workingHoursBetween(from, to));
    }
    return hours;
  }

  /** The zone's offset from UTC on `day`, in ms, taken at noon. */
  private offsetOn(day: LocalDay): number {
    let offset = this.offsets.get(day);
    if (offset === undefined) {
      const noon = Date.parse(`${day}T12:00:00Z`);
      offset = this.wallClock(new Date(noon)) - noon;
      if (this.offsets.size >= MAX_CACHED_DAYS) this.offsets.clear();
      this.offsets.set(day, offset);
    }
    return offset;
  }

  /** The instant's wall clock in the zone, as milliseconds of a UTC date with the same fields. */
  private wallClock(instant: Date): number {
    const field: Record<string, number> = {};
    for (const part of this.parts.formatToParts(instant)) if (part.type !== 'literal') field[part.type] = Number(part.value);
    return Date.UTC(field.year!, field.month! - 1, field.day!, field.hour!, field.minute!, field.second!);
  }
}

function addDays(day: LocalDay, count: number): LocalDay {
  return new Date(Date.parse(`${day}T00:00:00Z`) + count * DAY_MS).toISOString().slice(0, 10);
}
