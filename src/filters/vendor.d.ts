/** The parts of untyped packages the server uses. */

declare module 'libmime' {
  /** CommonJS: one instance as module.exports, so only a default import works under Node ESM. */
  const libmime: {
    /** RFC 2047: decodes encoded-words in a header value. */
    decodeWords(value: string): string;
    /** Folds a header line at `lineLength` characters, as mailauth folds the fields it writes. */
    foldLines(value: string, lineLength: number): string;
  };
  export default libmime;
}
