/**
 * Vietnamese text folding, shared by the directory (tên_sd, search), the FTS index and spam rules
 * with `fold = true`. Leaf module: imports nothing of ours.
 */

/**
 * Lowercases, removes diacritics and maps đ/Đ to d, so "Nguyễn Văn Ân" and "nguyen van an" fold
 * to the same text. NFD splits a precomposed letter into base + combining marks (U+0300–U+036F);
 * đ is a letter of its own in Unicode, not d + a mark, so it needs its own mapping (SQLite's
 * unicode61 tokenizer does not fold it either).
 */
export function foldVietnamese(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  return withoutVietnameseMarks(text).toLowerCase().normalize('NFC');
}

/** The marks removed and đ/Đ mapped to d/D, case kept ("Thư đã nhận" → "Thu da nhan"); left in NFD. */
export function withoutVietnameseMarks(text: string): string {
  if (isAscii(text)) return text;
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

/**
 * ASCII text has no marks and no đ, and is its own NFD and NFC: one scan instead of two
 * normalisations and three replacements. Addresses, most header values and much of a message's
 * text are ASCII; folding them was a visible part of a message's analysis and Bayes tokens.
 */
const NON_ASCII = /[^\x00-\x7f]/;
function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}
