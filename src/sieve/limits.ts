/**
 * Bounds on what a script may be, checked while it is read (RFC 5228 §2.10.6 lets an
 * implementation limit script size, nesting and the number of actions). A script within them
 * parses in time linear in its size; see interpreter.ts for the bounds on running one.
 */
export const SIEVE_LIMITS = {
  /** Bytes of script text (UTF-8); also the ManageSieve MAXSCRIPTSIZE. */
  maxScriptBytes: 64 * 1024,
  /** Nested blocks and tests (`if` in `if`, `not` in `anyof` …). */
  maxNesting: 24,
  /** Characters in one string, quoted or `text:`. */
  maxStringLength: 16 * 1024,
  /** Strings in one string list. */
  maxListLength: 256,
  /** Commands and tests in the whole script. */
  maxNodes: 4096,
  /** RFC 5228 §4.2: redirects one message may cause (a loop between two scripts stops here). */
  maxRedirects: 4,
  /** Header values and body text a test looks at, in characters: `:matches` on a huge header stays bounded. */
  maxSubjectLength: 64 * 1024,
  /** RFC 5229 §3: variables one run may set (a `set` past this many new names is ignored). */
  maxVariables: 128,
  /** RFC 5229 §3.2: match variables ${1}…${N} kept from a :matches (at least 9 are required). */
  maxMatchVariables: 32,
  /** Octets of the body `body :raw` and `body :content` read (RFC 5173 §5 allows a limit). */
  maxBodyBytes: 1024 * 1024,
  /** Units of matching work (about one character compared each) one run may spend before it stops with an implicit keep. */
  maxMatchWork: 20_000_000,
} as const;
