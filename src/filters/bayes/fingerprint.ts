/**
 * A fuzzy fingerprint of a message's body, so that a message users marked as junk also marks the
 * nearly identical copies a campaign sends (docs/architecture.md, "Spam filtering"). Computed
 * locally from Bayes' tokens: no Internet checksum service is asked.
 *
 * The shingles are the body's pairs of neighbouring folded syllables that tokenize.ts already
 * emits ("kinh gui", "gui anh"): a changed name, number or link alters the few pairs around it and
 * leaves the rest. Their MinHash signature (Broder, "On the resemblance and containment of
 * documents", 1997: for each of 64 hash functions the least hash over the shingles; two sets agree
 * in one position with probability equal to their Jaccard similarity) is cut into 16 bands of 4
 * positions, each band reduced to one number (locality-sensitive hashing). Two bodies with
 * similarity s share a band with probability s⁴: about 10 of 16 bands at s = 0.9, 1 at s = 0.5.
 */
export const FINGERPRINT_BANDS = 16;
const ROWS_PER_BAND = 4;
const PERMUTATIONS = FINGERPRINT_BANDS * ROWS_PER_BAND;
/** Fewer pairs than this is too little text to call two messages near-duplicates. */
const MIN_SHINGLES = 12;

/** One seed per MinHash function, fixed: fingerprints are stored and compared across restarts. */
const SEEDS = Array.from({ length: PERMUTATIONS }, (_, i) => fmix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));

/** The 16 band values of a body, or null when the body has too little text to compare. */
export function bodyFingerprint(tokens: readonly string[]): number[] | null {
  const shingles: number[] = [];
  for (const token of tokens) {
    // tokenize.ts: body pairs are "a b"; subject pairs carry "s:" and header tokens a "name:" prefix.
    if (token.includes(' ') && !token.includes(':')) shingles.push(fnv1a(token));
  }
  if (shingles.length < MIN_SHINGLES) return null;
  const minima = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (const shingle of shingles) {
    for (let i = 0; i < PERMUTATIONS; i++) {
      const h = fmix32(shingle ^ SEEDS[i]!);
      if (h < minima[i]!) minima[i] = h;
    }
  }
  const bands: number[] = [];
  for (let band = 0; band < FINGERPRINT_BANDS; band++) {
    let h = fmix32(band + 1);
    for (let row = 0; row < ROWS_PER_BAND; row++) h = fmix32(h ^ minima[band * ROWS_PER_BAND + row]!);
    bands.push(h);
  }
  return bands;
}

/** FNV-1a, 32 bits, over the UTF-16 code units. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
