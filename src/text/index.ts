/** src/text: Vietnamese folding, RFC 2047 encoded words, HTML→text; leaves shared by every module. */
export { decodeEncodedWords } from './encoded-words.js';
export { htmlToText } from './html-text.js';
export { foldVietnamese, withoutVietnameseMarks } from './vietnamese.js';
