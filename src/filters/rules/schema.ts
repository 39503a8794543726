import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr, parseSize } from '../../config/index.js';
import { STRUCTURAL_RULES } from '../structure/rules.js';

/**
 * The spam rules file (config/spam-rules.toml). Every table is strict so that a misspelt key is
 * refused instead of silently ignored; regexes are compiled here so a bad one is a validation
 * error with a path, which load.ts turns into file:line and rule id.
 */

const BUILTIN_IDS = new Set(STRUCTURAL_RULES.map((r) => r.id));

const ruleId = z.string().regex(/^[A-Z0-9_]{1,64}$/, 'an id is 1-64 characters A-Z, 0-9 and _');

/** "1.2.3.4", "10.0.0.0/8", "2001:db8::/32". */
const ipOrCidr = z.string().refine((value) => parseCidr(value) !== null, 'not an IP address or CIDR like "10.0.0.0/8"');

const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'not a domain name')
  .transform((d) => d.toLowerCase());

const address = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+$/, 'not an address like "user@example.com"')
  .transform((a) => a.toLowerCase());

const senderList = z
  .object({
    addresses: z.array(address).default([]),
    domains: z.array(domain).default([]),
    ips: z.array(ipOrCidr).default([]),
  })
  .strict();

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === null) {
    ctx.addIssue({ code: 'custom', message: `not a size like "512KB": ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

const direction = z.enum(['inbound', 'outbound', 'both']).default('both');

const common = {
  id: ruleId,
  description: z.string().min(1),
  score: z.number().refine(Number.isFinite, 'score must be a finite number'),
  direction,
};

/** Text matching: exactly one of `regex` or `words`; `fold` compares without Vietnamese diacritics. */
const textMatch = {
  regex: z.string().min(1).optional(),
  words: z.array(z.string().min(1)).min(1).optional(),
  fold: z.boolean().default(false),
  case_sensitive: z.boolean().default(false),
};

const textTargets = ['subject', 'from', 'body', 'rawbody', 'url', 'attachment_name', 'attachment_type'] as const;

const textRule = z
  .object({ ...common, target: z.enum(textTargets), ...textMatch })
  .strict();
const headerRule = z
  .object({ ...common, target: z.literal('header'), header: z.string().regex(/^[!-9;-~]+$/, 'not a header name'), ...textMatch })
  .strict();
const authRule = z
  .object({
    ...common,
    target: z.literal('auth'),
    method: z.enum(['spf', 'dkim', 'dmarc']),
    values: z.array(z.string().min(1).transform((v) => v.toLowerCase())).min(1),
  })
  .strict();
const sizeRule = z
  .object({ ...common, target: z.literal('size'), min: size.optional(), max: size.optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'a size rule needs min, max or both');
const dnsblRule = z
  .object({
    ...common,
    target: z.literal('dnsbl'),
    zone: domain,
    /** Only these A answers count (e.g. "127.0.0.2"); empty: any answer is a listing. */
    answers: z.array(z.string().refine((v) => isIP(v) === 4, 'not an IPv4 address')).default([]),
  })
  .strict();

const rule = z.discriminatedUnion('target', [textRule, headerRule, authRule, sizeRule, dnsblRule]);

export type RuleSpec = z.output<typeof rule>;
export type TextRuleSpec = z.output<typeof textRule> | z.output<typeof headerRule>;

const bayes = z
  .object({
    enabled: z.boolean().default(true),
    /** Bayes stays silent until it has learnt this many messages of each class. */
    min_spam: z.number().int().min(0).default(100),
    min_ham: z.number().int().min(0).default(100),
    /**
     * Each of Bayes' two opinions adds up to ±weight, continuously (bayes/filter.ts). An admin's weight wins over
     * [tuned] BAYES, which wins over DEFAULT_BAYES_WEIGHT (compile.ts).
     */
    weight: z.number().min(0).optional(),
    /**
     * Added when the body is nearly the same as a message learnt as spam (users' Junk, `spam
     * train`), subtracted when it is nearly the same as learnt ham (bayes/fingerprint.ts); 0: off.
     */
    near_duplicate: z.number().min(0).default(3),
    /**
     * One user's moves into and out of Junk may make at most this share of the learnt messages
     * of a class, or user_min messages while the totals are small: no one user poisons everyone's filter.
     */
    user_share: z.number().min(0).max(1).default(0.1),
    user_min: z.number().int().min(0).default(50),
  })
  .strict();

/** Bulk and repeat detection over recent inbound mail (filters/bulk.ts); each signal needs confirmation by another. */
const bulk = z
  .object({
    enabled: z.boolean().default(true),
    window_hours: z.number().positive().max(24 * 7).default(24),
    recipients: z.number().int().min(2).default(20),
    senders: z.number().int().min(2).default(5),
    score: z.number().min(0).default(2),
  })
  .strict();

const finiteScore = z.number().refine(Number.isFinite, 'score must be a finite number');

const thresholds = z
  .object({
    junk_at: z.number(),
    reject_at: z.number(),
    tag_subject_at: z.number().optional(),
    subject_tag: z.string().default('[SPAM]'),
  })
  .strict()
  .refine((t) => t.junk_at <= t.reject_at, { message: 'junk_at must not be above reject_at', path: ['junk_at'] });

const dnsbl = z
  .object({
    timeout_ms: z.number().int().min(50).max(30_000).default(1500),
    cache_seconds: z.number().int().min(0).max(86_400).default(600),
  })
  .strict();

const parser = z
  .object({
    /** Score of a message whose MIME structure cannot be parsed (too many parts, nesting, broken headers). */
    unparsable_score: z.number().default(3),
  })
  .strict();

export const rulesFileSchema = z
  .object({
    thresholds,
    allow: senderList.prefault({}),
    block: senderList.prefault({}),
    dnsbl: dnsbl.prefault({}),
    parser: parser.prefault({}),
    bayes: bayes.prefault({}),
    bulk: bulk.prefault({}),
    /** The built-in structural rules (structure/rules.ts) run only where the file turns them on. */
    builtin: z.object({ enabled: z.boolean().default(false) }).strict().prefault({}),
    /** An admin's scores for the built-in structural rules (structure/rules.ts); they win over [tuned]. */
    scores: z.record(ruleId, finiteScore).default({}),
    /** Scores `spam tune` fitted to the trained mail (built-in rules and BAYES, the Bayes weight), for review; defaults apply where it is silent. */
    tuned: z.record(ruleId, finiteScore).default({}),
    rule: z.array(rule).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const table of ['scores', 'tuned'] as const) {
      for (const id of Object.keys(file[table])) {
        if (!BUILTIN_IDS.has(id) && !(table === 'tuned' && id === 'BAYES')) {
          ctx.addIssue({ code: 'custom', path: [table, id], message: `${id} is not a built-in rule (see the list in the rules file)` });
        }
      }
    }
    const seen = new Map<string, number>();
    file.rule.forEach((r, index) => {
      const first = seen.get(r.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['rule', index, 'id'], message: `duplicate id ${r.id} (first used by rule #${first + 1})` });
      }
      seen.set(r.id, index);
      if (r.target === 'auth' || r.target === 'size' || r.target === 'dnsbl') return;
      if ((r.regex === undefined) === (r.words === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['rule', index, 'regex'], message: 'a text rule needs exactly one of regex or words' });
        return;
      }
      if (r.regex !== undefined) {
        try {
          new RegExp(r.regex, 'u');
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['rule', index, 'regex'], message: `bad regex: ${(err as Error).message}` });
        }
      }
    });
  });

export type RulesFile = z.output<typeof rulesFileSchema>;
