/**
 * The working calendar's text forms in `[units]` (docs/admin-guide.en.md "Unit mailbox diligence"):
 * periods of a day ("07:00-11:30,13:00-17:00"), days of the week ("Mon-Fri", "Mon,Tue,Sat"), a time
 * of day ("07:30") and a date ("2027-01-01"). Each parser returns null when the text is malformed.
 */

/** A period of a working day in minutes after local midnight, `start` < `end`. */
export interface WorkingPeriod {
  readonly start: number;
  readonly end: number;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** "07:30" → 450; hours 00–24 (24:00 ends a day), minutes 00–59. */
export function parseTimeOfDay(text: string): number | null {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : null;
}

/** "07:00-11:30,13:00-17:00" → periods in order; they may not overlap nor be empty. */
export function parseWorkingPeriods(text: string): WorkingPeriod[] | null {
  const periods: WorkingPeriod[] = [];
  for (const part of text.split(',')) {
    const [from, to, extra] = part.split('-');
    if (from === undefined || to === undefined || extra !== undefined) return null;
    const start = parseTimeOfDay(from);
    const end = parseTimeOfDay(to);
    if (start === null || end === null || start >= end) return null;
    const previous = periods.at(-1);
    if (previous && start < previous.end) return null;
    periods.push({ start, end });
  }
  return periods;
}

/** "Mon-Fri" or "Mon,Wed,Sat" (English abbreviations, any case) → day numbers, 0 = Sunday as in Date#getUTCDay. */
export function parseWorkingDays(text: string): number[] | null {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [from, to, extra] = part.trim().split('-');
    const first = DAY_NAMES.indexOf(from as (typeof DAY_NAMES)[number]);
    const last = to === undefined ? first : DAY_NAMES.indexOf(to as (typeof DAY_NAMES)[number]);
    if (first < 0 || last < first || extra !== undefined) return null;
    for (let day = first; day <= last; day++) days.add(day);
  }
  return [...days].sort((a, b) => a - b);
}

/** "2027-01-01": a real calendar date. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Whether Intl knows the IANA time zone ("Asia/Ho_Chi_Minh"). */
export function isTimeZone(text: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}
