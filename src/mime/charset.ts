/** Bytes in a declared charset → text, through libmime's charset tables (iconv-lite underneath). */
import { createRequire } from 'node:module';
import type { decode as decodeWithTables } from 'libmime/lib/charset.js';

/** Loaded at the first 8-bit text in another charset: the tables cost start-up time to every CLI command otherwise. CommonJS, so a synchronous require serves. */
let decode: typeof decodeWithTables | null = null;
const requireCommonJs = createRequire(import.meta.url);

/**
 * Text declared us-ascii (the RFC 2045 §5.2 default) or not declared at all is read as UTF-8, a
 * superset: 8-bit text under that label is nearly always unlabelled UTF-8, which is what most
 * Vietnamese mail sent without a charset is. Unknown charsets fall back to UTF-8 inside libmime.
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? '').trim().toLowerCase();
  if (name === '' || name === 'us-ascii' || name === 'ascii' || name === 'utf-8' || name === 'utf8') return bytes.toString('utf8');
  try {
    decode ??= (requireCommonJs('libmime/lib/charset.js') as { decode: typeof decodeWithTables }).decode;
    return decode(bytes, name);
  } catch {
    // Analysis runs inside delivery: a charset table failing must not refuse the message.
    return bytes.toString('utf8');
  }
}
