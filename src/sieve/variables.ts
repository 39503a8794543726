import { SIEVE_LIMITS } from './limits.js';
import type { SetModifier } from './program.js';
import type { MatchCaptures } from './match.js';

/**
 * RFC 5229 variables of one run: the ones `set` names (case-insensitive, §3) and the match
 * variables of the last successful :matches (§3.2). Values and their number are bounded
 * (limits.ts), so expansion stays linear in the script's strings.
 */
export class Variables {
  private readonly named = new Map<string, string>();
  private captures: MatchCaptures = [];

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    if (!this.named.has(key) && this.named.size >= SIEVE_LIMITS.maxVariables) return;
    this.named.set(key, value.slice(0, SIEVE_LIMITS.maxStringLength));
  }

  setCaptures(captures: MatchCaptures): void {
    this.captures = captures.slice(0, SIEVE_LIMITS.maxMatchVariables + 1);
  }

  /**
   * RFC 5229 §3: `${name}` and `${N}` are replaced by their values, unknown ones by "" (§3:
   * a namespace we do not offer, `${a.b}`, too); text that is not a reference stays as it is.
   */
  expand(text: string): string {
    if (!text.includes('${')) return text;
    const expanded = text.replace(VARIABLE_REFERENCE, (_, name: string) => {
      if (/^[0-9]+$/.test(name)) return this.captures[Number(name)] ?? '';
      return this.named.get(name.toLowerCase()) ?? '';
    });
    return expanded.slice(0, SIEVE_LIMITS.maxStringLength);
  }
}

/** RFC 5229 §3: variable-ref = "${" [namespace] variable-name "}", or a number for match variables. */
const VARIABLE_REFERENCE = /\$\{([0-9]+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

/** RFC 5229 §3: a variable `set` may name (no namespace, no digits first). */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** RFC 5229 §4.1: the modifiers apply highest precedence first; SET_MODIFIERS is in that order. */
export function applyModifiers(value: string, modifiers: readonly SetModifier[]): string {
  let result = value;
  for (const modifier of modifiers) {
    switch (modifier) {
      case 'lower':
        result = result.toLowerCase();
        break;
      case 'upper':
        result = result.toUpperCase();
        break;
      case 'lowerfirst':
        result = result.slice(0, 1).toLowerCase() + result.slice(1);
        break;
      case 'upperfirst':
        result = result.slice(0, 1).toUpperCase() + result.slice(1);
        break;
      case 'quotewildcard':
        result = result.replace(/[*?\\]/g, (c) => `\\${c}`);
        break;
      case 'length':
        // RFC 5229 §4.1.4: the length in characters, not octets.
        result = String([...result].length);
        break;
    }
  }
  return result;
}
