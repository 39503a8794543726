import type { SourcePosition } from './errors.js';

/** A checked script (compile.ts): every argument typed, every extension it uses declared by `require`. */

/** RFC 5228 §2.7.3 comparators (RFC 4790 names); i;ascii-numeric is RFC 4790 §9.1 (RFC 5231). */
export type Comparator = 'i;octet' | 'i;ascii-casemap' | 'i;ascii-numeric';
/** RFC 5228 §2.7.1 match types; RFC 5231 §4 :value and :count. */
export type MatchType = 'is' | 'contains' | 'matches' | 'value' | 'count';
/** RFC 5231 §5 relational operators. */
export type Relation = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
/** RFC 5228 §2.7.4 address parts; RFC 5233 §4 :user and :detail. */
export type AddressPart = 'all' | 'localpart' | 'domain' | 'user' | 'detail';

export interface Match {
  readonly comparator: Comparator;
  readonly type: MatchType;
  /** The operator of :value and :count, null for the other match types. */
  readonly relation: Relation | null;
  readonly keys: readonly string[];
}

/** RFC 5260 §6: which occurrence of a header field a test looks at (1-based, counted from the end with :last), or every one. */
export type FieldIndex = { readonly position: number; readonly fromEnd: boolean } | null;

/** RFC 5260 §4.1 date parts. */
export const DATE_PARTS = ['year', 'month', 'day', 'date', 'julian', 'hour', 'minute', 'second', 'time', 'iso8601', 'std11', 'zone', 'weekday'] as const;
export type DatePart = (typeof DATE_PARTS)[number];
/** RFC 5260 §4.2: the zone a date is shown in: the server's, a fixed offset (:zone "+0700"), or the header's own (:originalzone). */
export type DateZone = { readonly kind: 'local' } | { readonly kind: 'fixed'; readonly offset: string } | { readonly kind: 'original' };

/** RFC 5173 §5 body transforms: the decoded text, the undecoded body, or the parts of the given MIME types. */
export type BodyTransform = { readonly kind: 'text' } | { readonly kind: 'raw' } | { readonly kind: 'content'; readonly types: readonly string[] };

export type Test =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'not'; readonly test: Test }
  | { readonly kind: 'allof' | 'anyof'; readonly tests: readonly Test[] }
  | { readonly kind: 'address'; readonly part: AddressPart; readonly headers: readonly string[]; readonly index: FieldIndex; readonly match: Match }
  | { readonly kind: 'envelope'; readonly part: AddressPart; readonly fields: readonly ('from' | 'to')[]; readonly match: Match }
  | { readonly kind: 'header'; readonly headers: readonly string[]; readonly index: FieldIndex; readonly match: Match }
  | { readonly kind: 'exists'; readonly headers: readonly string[] }
  | { readonly kind: 'size'; readonly over: boolean; readonly limit: number }
  | { readonly kind: 'body'; readonly transform: BodyTransform; readonly match: Match }
  | { readonly kind: 'hasflag'; readonly match: Match }
  | { readonly kind: 'string'; readonly sources: readonly string[]; readonly match: Match }
  | { readonly kind: 'date'; readonly header: string; readonly zone: DateZone; readonly part: DatePart; readonly index: FieldIndex; readonly match: Match }
  | { readonly kind: 'currentdate'; readonly zone: DateZone; readonly part: DatePart; readonly match: Match }
  | { readonly kind: 'spamtest'; readonly percent: boolean; readonly match: Match }
  | { readonly kind: 'virustest'; readonly match: Match }
  | { readonly kind: 'mailboxexists'; readonly folders: readonly string[] };

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
  | { readonly kind: 'vacation'; readonly spec: VacationSpec }
  | { readonly kind: 'set'; readonly name: string; readonly value: string; readonly modifiers: readonly SetModifier[] }
  | { readonly kind: 'reject'; readonly reason: string; readonly extended: boolean };

/** RFC 5229 §4.1 modifiers of `set`, in the order they apply (highest precedence first). */
export const SET_MODIFIERS = ['lower', 'upper', 'lowerfirst', 'upperfirst', 'quotewildcard', 'length'] as const;
export type SetModifier = (typeof SET_MODIFIERS)[number];

export interface SieveProgram {
  readonly extensions: ReadonlySet<string>;
  readonly commands: readonly Command[];
}
