import { createRequire } from 'node:module';
import type libmimeModule from 'libmime';

/**
 * libmime, loaded at the first header that needs it: with its charset tables (iconv-lite,
 * encoding-japanese) it is a quarter of a CLI command's start-up CPU, and most commands never
 * decode a header (docs/architecture.md "CLI"). CommonJS, so a synchronous require serves.
 */
let libmime: typeof libmimeModule | null = null;
const requireCommonJs = createRequire(import.meta.url);

/**
 * RFC 2047 encoded-words in a header value decoded to text. RFC 2047 §6.3: an encoded-word that
 * cannot be decoded is shown as it is, so malformed input never fails the caller (search index,
 * audit record); libmime throws on some of it.
 */
export function decodeEncodedWords(value: string): string {
  // RFC 2047 §2: every encoded-word begins "=?"; a value without one is its own text. Most header
  // values are, and libmime's five passes over each were a visible share of a message's analysis.
  if (!value.includes('=?')) return value;
  try {
    libmime ??= requireCommonJs('libmime') as typeof libmimeModule;
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
