/**
 * Typed failures of src/sieve. A script error carries the line and column (1-based) of the token
 * it is about, so ManageSieve CHECKSCRIPT/PUTSCRIPT (RFC 5804 §2.6, §2.12) and the logs can point
 * at it.
 */
export abstract class SieveScriptError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`line ${line}:${column}: ${detail}`);
  }
}

/** The script does not follow the RFC 5228 §8 grammar, uses an unknown command, test or extension, or breaks a size limit. */
export class SieveSyntaxError extends SieveScriptError {
  override readonly name = 'SieveSyntaxError';
}

/** The script is valid Sieve but the city's policy refuses it (an external redirect under `[sieve] external_redirect`). */
export class SievePolicyError extends SieveScriptError {
  override readonly name = 'SievePolicyError';
}

/** A position in the script text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}
