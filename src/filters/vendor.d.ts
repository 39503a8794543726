/** The parts of untyped packages src/filters uses. */

declare module 'libmime' {
  /** CommonJS: one instance as module.exports, so only a default import works under Node ESM. */
  const libmime: {
    /** RFC 2047: decodes encoded-words in a header value. */
    decodeWords(value: string): string;
  };
  export default libmime;
}
