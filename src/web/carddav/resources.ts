import { PATHS } from '../urls.js';

/**
 * The CardDAV URL space (docs/admin-guide.en.md "CardDAV address book"):
 *
 *   /carddav/                            context path (RFC 6764 §5: where /.well-known/carddav leads)
 *   /carddav/nguoi-dung/<tên_sd>/        the signed-in official's principal (RFC 5397, RFC 6352 §7.1)
 *   /carddav/danh-ba/                    the address-book home, the same for every official
 *   /carddav/danh-ba/<book>/             an address book: thanh-pho, don-vi-<unit tên_sd>
 *   /carddav/danh-ba/<book>/<tên_sd>.vcf one card
 *
 * Collections are named with a trailing slash (RFC 4918 §5.2); a request without it is accepted.
 */

export const CONTEXT_PATH = PATHS.carddav;
export const HOME_PATH = `${CONTEXT_PATH}danh-ba/`;
const PRINCIPALS_PATH = `${CONTEXT_PATH}nguoi-dung/`;

export type Resource =
  | { readonly kind: 'root' }
  | { readonly kind: 'principal'; readonly user: string }
  | { readonly kind: 'home' }
  | { readonly kind: 'book'; readonly book: string }
  | { readonly kind: 'card'; readonly book: string; readonly card: string };

export function principalPath(user: string): string {
  return `${PRINCIPALS_PATH}${encodeURIComponent(user)}/`;
}

export function bookPath(book: string): string {
  return `${HOME_PATH}${encodeURIComponent(book)}/`;
}

export function cardPath(book: string, card: string): string {
  return `${bookPath(book)}${encodeURIComponent(card)}`;
}

/**
 * What a request path (or an href of a multiget, absolute URL or path) names, or null. Only the
 * shape is checked here; whether the book or card exists is the caller's question.
 */
export function resourceOf(target: string): Resource | null {
  let path = target.split('?')[0]!;
  // RFC 4918 §8.3: an href may be an absolute URI; only its path names our resource.
  const absolute = /^https?:\/\/[^/]*(\/.*)?$/i.exec(path);
  if (absolute) path = absolute[1] ?? '/';
  let segments: string[];
  try {
    segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segments[0] !== 'carddav' || segments.some((s) => s === '.' || s === '..' || s.includes('/'))) return null;
  const [, area, name, card, ...rest] = segments;
  if (rest.length > 0) return null;
  if (area === undefined) return { kind: 'root' };
  if (area === 'nguoi-dung' && name !== undefined && card === undefined) return { kind: 'principal', user: name };
  if (area !== 'danh-ba') return null;
  if (name === undefined) return { kind: 'home' };
  if (card === undefined) return { kind: 'book', book: name };
  return { kind: 'card', book: name, card };
}
