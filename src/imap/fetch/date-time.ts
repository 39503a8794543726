/**
 * Dates shown and compared by FETCH and SEARCH (parsing the arguments is ArgReader's): RFC 3501 §9
 * `date-time` ("17-Jul-1996 02:44:25 -0700") for INTERNALDATE, and days for SEARCH. The store
 * keeps an instant; it is shown in the server's time zone, and SEARCH BEFORE/ON/SINCE take the day
 * in the same zone.
 */

/** A calendar day as `year*10000 + month*100 + day`: days compare as numbers. */
export type Day = number;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `date-day-fixed "-" date-month "-" date-year SP time SP zone`, the day padded with a space. */
export function formatInternalDate(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad2(Math.floor(Math.abs(offset) / 60))}${pad2(Math.abs(offset) % 60)}`;
  const day = String(date.getDate()).padStart(2, ' ');
  return `${day}-${MONTHS[date.getMonth()]}-${date.getFullYear()} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} ${zone}`;
}

/** The day of a SEARCH `date` argument (ArgReader.date gives midnight UTC of that day). */
export function dayOfSearchDate(date: Date): Day {
  return date.getUTCFullYear() * 10000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

/** The day of an instant in the server's time zone, the zone INTERNALDATE is shown in. */
export function localDay(date: Date): Day {
  return date.getFullYear() * 10000 + (date.getMonth() + 1) * 100 + date.getDate();
}

/** The day written in an RFC 5322 Date: header (`Tue, 1 Jul 2003 10:52:37 +0200` → 20030701), or null. */
export function dayOfDateHeader(value: string): Day | null {
  const match = /(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2,4})/i.exec(value);
  if (!match) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === match[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(match[3]);
  // RFC 5322 §4.3 obsolete two- and three-digit years.
  if (match[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (match[3]!.length === 3) year += 1900;
  return year * 10000 + (month + 1) * 100 + Number(match[1]);
}
