import type { DatePart, DateZone } from './program.js';

/**
 * RFC 5260 dates: a header's date (RFC 5322 §3.3, with the obsolete zone names of §4.3) or the
 * current time, shown in a zone and cut into the parts of §4.1.
 */
export interface ZonedInstant {
  /** Milliseconds since the epoch (UTC). */
  readonly time: number;
  /** The zone's offset from UTC in minutes (+0700 is 420). */
  readonly offsetMinutes: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** RFC 5322 §4.3 obsolete zones; military letters mean -0000 ("no information"), taken as UTC. */
const NAMED_ZONES: ReadonlyMap<string, number> = new Map([
  ['ut', 0],
  ['gmt', 0],
  ['edt', -4 * 60],
  ['est', -5 * 60],
  ['cdt', -5 * 60],
  ['cst', -6 * 60],
  ['mdt', -6 * 60],
  ['mst', -7 * 60],
  ['pdt', -7 * 60],
  ['pst', -8 * 60],
]);
/** RFC 5322 §3.3 date-time, comments and day name optional; the value is at most a header's length (limits.ts). */
const DATE_TIME = /^\s*(?:[A-Za-z]{3}\s*,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s+([+-]\d{4}|[A-Za-z]{1,5})\b/;

/** A header field's date, or null when it is not an RFC 5322 date (RFC 5260 §4: the test is then false). */
export function parseMessageDate(value: string): ZonedInstant | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years are 19xx from 50, 20xx below; three digits add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const [day, hour, minute, second] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const offsetMinutes = zoneOffset(m[7]!);
  if (offsetMinutes === null) return null;
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  return { time: local - offsetMinutes * 60_000, offsetMinutes };
}

function zoneOffset(zone: string): number | null {
  if (/^[+-]\d{4}$/.test(zone)) return parseZone(zone);
  const named = NAMED_ZONES.get(zone.toLowerCase());
  if (named !== undefined) return named;
  return /^[A-IK-Za-ik-z]$/.test(zone) ? 0 : null;
}

/** "+0700" → 420; RFC 5260 §4.2's zone argument has the same shape as RFC 5322's. */
function parseZone(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
}

/** RFC 5260 §4.2: the instant moved into the zone the test asks for. */
export function inZone(instant: ZonedInstant, zone: DateZone): ZonedInstant {
  if (zone.kind === 'original') return instant;
  const offsetMinutes = zone.kind === 'fixed' ? parseZone(zone.offset) : -new Date(instant.time).getTimezoneOffset();
  return { time: instant.time, offsetMinutes };
}

/** RFC 5260 §4.1: one part of the date as the test compares it. */
export function datePart(instant: ZonedInstant, part: DatePart): string {
  const d = new Date(instant.time + instant.offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const zone = formatZone(instant.offsetMinutes);
  switch (part) {
    case 'year':
      return date.slice(0, 4);
    case 'month':
      return date.slice(5, 7);
    case 'day':
      return date.slice(8, 10);
    case 'date':
      return date;
    case 'julian':
      // The Modified Julian Day: days since 1858-11-17 (the epoch is MJD 40587).
      return String(Math.floor((instant.time + instant.offsetMinutes * 60_000) / 86_400_000) + 40_587);
    case 'hour':
      return time.slice(0, 2);
    case 'minute':
      return time.slice(3, 5);
    case 'second':
      return time.slice(6, 8);
    case 'time':
      return time;
    case 'iso8601':
      return `${date}T${time}${zone.slice(0, 3)}:${zone.slice(3)}`;
    case 'std11':
      return `${WEEKDAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]![0]!.toUpperCase()}${MONTHS[d.getUTCMonth()]!.slice(1)} ${date.slice(0, 4)} ${time} ${zone}`;
    case 'zone':
      return zone;
    case 'weekday':
      return String(d.getUTCDay());
  }
}

function formatZone(offsetMinutes: number): string {
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
