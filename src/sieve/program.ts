import type { SourcePosition } from './errors.js';

/** A checked script (compile.ts): every argument typed, every extension it uses declared by `require`. */

/** RFC 5228 §2.7.3 comparators (RFC 4790 names). */
export type Comparator = 'i;octet' | 'i;ascii-casemap';
/** RFC 5228 §2.7.1 match types. */
export type MatchType = 'is' | 'contains' | 'matches';
/** RFC 5228 §2.7.4 address parts. */
export type AddressPart = 'all' | 'localpart' | 'domain';

export interface Match {
  readonly comparator: Comparator;
  readonly type: MatchType;
  readonly keys: readonly string[];
}

export type Test =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'not'; readonly test: Test }
  | { readonly kind: 'allof' | 'anyof'; readonly tests: readonly Test[] }
  | { readonly kind: 'address'; readonly part: AddressPart; readonly headers: readonly string[]; readonly match: Match }
  | { readonly kind: 'envelope'; readonly part: AddressPart; readonly fields: readonly ('from' | 'to')[]; readonly match: Match }
  | { readonly kind: 'header'; readonly headers: readonly string[]; readonly match: Match }
  | { readonly kind: 'exists'; readonly headers: readonly string[] }
  | { readonly kind: 'size'; readonly over: boolean; readonly limit: number }
  | { readonly kind: 'body'; readonly match: Match }
  | { readonly kind: 'hasflag'; readonly match: Match };

export interface VacationSpec {
  /** Minimum time between two replies to one sender, in seconds (RFC 5230 §4.1 :days, RFC 6131 :seconds). */
  readonly periodSeconds: number;
  readonly subject: string | null;
  readonly from: string | null;
  readonly addresses: readonly string[];
  readonly mime: boolean;
  readonly handle: string | null;
  readonly reason: string;
}

export type Command =
  | { readonly kind: 'if'; readonly branches: ReadonlyArray<{ readonly test: Test; readonly block: readonly Command[] }>; readonly otherwise: readonly Command[] | null }
  | { readonly kind: 'stop' }
  | { readonly kind: 'keep'; readonly flags: readonly string[] | null }
  | { readonly kind: 'discard' }
  | { readonly kind: 'fileinto'; readonly folder: string; readonly copy: boolean; readonly create: boolean; readonly flags: readonly string[] | null }
  | { readonly kind: 'redirect'; readonly address: string; readonly copy: boolean; readonly at: SourcePosition }
  | { readonly kind: 'setflag' | 'addflag' | 'removeflag'; readonly flags: readonly string[] }
  | { readonly kind: 'vacation'; readonly spec: VacationSpec };

export interface SieveProgram {
  readonly extensions: ReadonlySet<string>;
  readonly commands: readonly Command[];
}
