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
  return withoutVietnameseMarks(text).toLowerCase().normalize('NFC');
}

/** The marks removed and đ/Đ mapped to d/D, case kept ("Thư đã nhận" → "Thu da nhan"); left in NFD. */
export function withoutVietnameseMarks(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}
