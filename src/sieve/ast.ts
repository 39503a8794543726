import type { SourcePosition } from './errors.js';

/** RFC 5228 §8.2 syntax tree: what parser.ts builds and validate.ts checks, before any meaning is given. */
export type Argument =
  | { readonly kind: 'tag'; readonly name: string; readonly at: SourcePosition }
  | { readonly kind: 'number'; readonly value: number; readonly at: SourcePosition }
  | { readonly kind: 'strings'; readonly values: readonly string[]; readonly list: boolean; readonly at: SourcePosition };

export interface TestNode {
  readonly name: string;
  readonly args: readonly Argument[];
  /** A test-list's members (allof, anyof) or the one test of `not`. */
  readonly tests: readonly TestNode[];
  readonly at: SourcePosition;
}

export interface CommandNode {
  readonly name: string;
  readonly args: readonly Argument[];
  /** The test of `if`/`elsif`, or null. */
  readonly tests: readonly TestNode[];
  readonly block: readonly CommandNode[] | null;
  readonly at: SourcePosition;
}
