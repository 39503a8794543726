import libmime from 'libmime';

/**
 * RFC 2047 encoded-words in a header value decoded to text. RFC 2047 §6.3: an encoded-word that
 * cannot be decoded is shown as it is, so malformed input never fails the caller (search index,
 * audit record); libmime throws on some of it.
 */
export function decodeEncodedWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
