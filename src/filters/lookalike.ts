import { domainToUnicode } from 'node:url';

/**
 * Text as a reader sees it, for spotting names and domains made to look like ours: a "skeleton"
 * in the sense of Unicode TR39 §4 (confusable detection), reduced to what matters for Latin
 * script domains and Vietnamese names. Two strings with the same skeleton look alike in a mail
 * client's From: line, whatever code points they are made of.
 */

/** Invisible in a rendered name or domain: Unicode format characters (zero-width space, joiners, BOM, bidi controls), soft hyphen, combining grapheme joiner, variation selectors. */
const INVISIBLE = /[\p{Cf}\u00ad\u034f\ufe00-\ufe0f]/gu;

/**
 * Letters of other scripts, and digits, drawn like a Latin letter (TR39 confusables.txt, the
 * lowercase forms that occur in look-alike domains: Cyrillic, Greek, Armenian, dotless i, and
 * the digits that pass for letters in a domain).
 */
const CONFUSABLE: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', ӏ: 'l', м: 'm', н: 'h', о: 'o', р: 'p', ԛ: 'q', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԝ: 'w', ɡ: 'g', п: 'n',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Armenian and Latin extras
  օ: 'o', ո: 'n', ս: 'u', հ: 'h', ı: 'i', ł: 'l', ø: 'o', đ: 'd',
  // Digits and signs
  '0': 'o', '1': 'l', '|': 'l', '3': 'e', '5': 's',
};

/** After the table: letters that differ only in a stroke most fonts hide at mail-list size. */
const SAME_SHAPE: ReadonlyArray<readonly [RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/i/g, 'l'],
];

/** The skeleton: compatibility forms folded (full-width letters), invisibles and accents removed, lowercase, confusables mapped. */
export function skeleton(text: string): string {
  const folded = text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase();
  let mapped = '';
  for (const char of folded) mapped += CONFUSABLE[char] ?? char;
  return SAME_SHAPE.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), mapped);
}

/** A domain's skeleton: IDNA labels (`xn--…`) decoded first, ideographic full stops read as dots. */
export function domainSkeleton(domain: string): string {
  const dotted = domain.replace(/[\u3002\uff0e\uff61]/g, '.').replace(/\.$/, '').toLowerCase();
  const decoded = /(^|\.)xn--/.test(dotted) ? domainToUnicode(dotted) || dotted : dotted;
  return skeleton(decoded);
}

/** Without dots and hyphens: `cantho-gov.vn` and `canthogov.vn` read as `canthogovvn`. */
const compact = (text: string) => text.replace(/[.\-_\s]/g, '');

/** Sender domains whose answer a checker keeps; past it the table starts over (bounded memory). */
const ANSWERS_KEPT = 10_000;

/**
 * Why a domain passes for one of `ours` without being it (or a subdomain of it), or null:
 * the same skeleton (homoglyphs, Cyrillic letters, zero-width characters, punycode), ours as its
 * beginning (`cantho.gov.vn.evil.com`), ours run together inside it, or one edit away.
 * The skeletons of ours are computed once, and each sender domain's answer is kept: the answer
 * depends on nothing else, and most mail comes from domains seen before (the skeletons were a
 * few per cent of the event loop's time per message in the served SMTP bench).
 */
export function lookalikeChecker(ours: readonly string[]): (domain: string) => string | null {
  const targets = ours.map((own) => ({ own, skeleton: domainSkeleton(own) }));
  const answers = new Map<string, string | null>();
  return (domain) => {
    let answer = answers.get(domain);
    if (answer === undefined) {
      if (answers.size >= ANSWERS_KEPT) answers.clear();
      answer = lookalike(domain, targets);
      answers.set(domain, answer);
    }
    return answer;
  };
}

function lookalike(domain: string, targets: ReadonlyArray<{ readonly own: string; readonly skeleton: string }>): string | null {
  const plain = domain.toLowerCase().replace(/\.$/, '');
  if (targets.some(({ own }) => plain === own || plain.endsWith(`.${own}`))) return null;
  const seen = domainSkeleton(plain);
  for (const { own, skeleton: target } of targets) {
    if (seen === target) return `${domain} looks like ${own}`;
    if (seen.startsWith(`${target}.`) || seen.startsWith(`${target}-`)) return `${domain} begins with ${own}`;
    if (compact(seen).includes(compact(target))) return `${domain} contains ${own}`;
    if (withinOneEdit(seen, target)) return `${domain} is one letter away from ${own}`;
  }
  return null;
}

/** Damerau–Levenshtein distance ≤ 1: one letter added, dropped, changed, or two swapped. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  }
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.slice(i + 1) === shorter.slice(i);
}
