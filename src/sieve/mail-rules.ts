import { z } from 'zod';
import { SIEVE_EXTENSIONS } from './capabilities.js';

/**
 * The simple rules of the web page and `person vacation` ("Trả lời tự động", "Quy tắc lọc thư"),
 * kept as ONE generated Sieve script, so that ManageSieve clients and the page see the same
 * thing. The script carries its rules as JSON in a comment line; it counts as generated only when
 * rendering that JSON gives back the script exactly, so a script edited by hand (ManageSieve,
 * Thunderbird's add-on) is recognised as hand-written and never overwritten by the page.
 * Start and end dates are `currentdate` tests (RFC 5260 §5, with `relational` RFC 5231) around
 * the `vacation` action (RFC 5230).
 */

/** The script the page writes and activates (RFC 5804 §1.2: one active script per account). */
export const MAIL_RULES_SCRIPT = 'trang-web';
/** Rules one official keeps on the page: more is a hand-written script's job. */
export const MAX_MAIL_RULES = 50;
/** Vietnam has one time zone and no summer time: dates on the page are Cần Thơ dates. */
const CITY_ZONE = '+0700';
const MARKER = '# cantho-mail-rules: ';

const MAX_SUBJECT = 200;
const MAX_MESSAGE = 8000;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const text = (max: number) => z.string().max(max);

const outOfOfficeSchema = z.object({
  enabled: z.boolean(),
  start: isoDate.nullable(),
  end: isoDate.nullable(),
  subject: text(MAX_SUBJECT),
  message: text(MAX_MESSAGE),
});
const ruleSchema = z.object({
  field: z.enum(['from', 'to', 'subject']),
  contains: text(200).min(1),
  action: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('move'), folder: text(200).min(1) }),
    z.object({ kind: z.literal('mark-read') }),
    z.object({ kind: z.literal('forward'), address: text(254).min(3) }),
  ]),
});
const mailRulesSchema = z.object({ outOfOffice: outOfOfficeSchema, rules: z.array(ruleSchema).max(MAX_MAIL_RULES) });

export type OutOfOffice = z.infer<typeof outOfOfficeSchema>;
export type MailRule = z.infer<typeof ruleSchema>;
export type MailRules = z.infer<typeof mailRulesSchema>;

export const NO_MAIL_RULES: MailRules = { outOfOffice: { enabled: false, start: null, end: null, subject: '', message: '' }, rules: [] };

/** Whether this server's Sieve knows the extensions dated out-of-office needs (RFC 5260 `date`, RFC 5231 `relational`). */
export function datedOutOfOfficeSupported(): boolean {
  return SIEVE_EXTENSIONS.has('date') && SIEVE_EXTENSIONS.has('relational');
}

/** What can be wrong with an out-of-office setting; each front end words it for its reader. */
export type OutOfOfficeProblem = 'bad-start' | 'bad-end' | 'end-before-start' | 'dates-unsupported' | 'subject-too-long' | 'missing-message' | 'message-too-long';


function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** Checks an out-of-office setting before it becomes a script (dates are YYYY-MM-DD, Cần Thơ time). */
export function outOfOfficeProblems(ooo: OutOfOffice): OutOfOfficeProblem[] {
  const problems: OutOfOfficeProblem[] = [];
  if (ooo.start !== null && !isCalendarDate(ooo.start)) problems.push('bad-start');
  if (ooo.end !== null && !isCalendarDate(ooo.end)) problems.push('bad-end');
  if (problems.length === 0 && ooo.start !== null && ooo.end !== null && ooo.end < ooo.start) problems.push('end-before-start');
  if (problems.length === 0 && (ooo.start !== null || ooo.end !== null) && !datedOutOfOfficeSupported()) problems.push('dates-unsupported');
  if (ooo.subject.length > MAX_SUBJECT) problems.push('subject-too-long');
  if (ooo.enabled && ooo.message.trim() === '') problems.push('missing-message');
  if (ooo.message.length > MAX_MESSAGE) problems.push('message-too-long');
  return problems;
}

/** RFC 5228 §2.4.2: inside a quoted string only `\` and `"` need a backslash. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The header fields a rule looks at; "to" means any recipient field the official can see. */
const RULE_HEADERS: Readonly<Record<MailRule['field'], string>> = { from: '"from"', to: '["to", "cc"]', subject: '"subject"' };

function ruleAction(action: MailRule['action']): string {
  switch (action.kind) {
    case 'move':
      return `fileinto :create ${quoted(action.folder)};`;
    case 'mark-read':
      return 'addflag "\\\\Seen";';
    case 'forward':
      // RFC 3894 :copy: the official keeps their own copy of what they pass on.
      return `redirect :copy ${quoted(action.address)};`;
  }
}

function outOfOfficeBlock(ooo: OutOfOffice): string[] {
  const subject = ooo.subject.trim() === '' ? '' : ` :subject ${quoted(ooo.subject)}`;
  const vacation = `vacation${subject} ${quoted(ooo.message)};`;
  const window = [
    ...(ooo.start ? [`currentdate :zone ${quoted(CITY_ZONE)} :value "ge" "date" ${quoted(ooo.start)}`] : []),
    ...(ooo.end ? [`currentdate :zone ${quoted(CITY_ZONE)} :value "le" "date" ${quoted(ooo.end)}`] : []),
  ];
  if (window.length === 0) return [vacation];
  return [`if allof (${window.join(', ')}) {`, `  ${vacation}`, '}'];
}

/** The extensions the script uses, in a fixed order so the same rules always give the same text. */
function requirements(rules: MailRules): string[] {
  const used = new Set<string>();
  for (const rule of rules.rules) {
    if (rule.action.kind === 'move') used.add('fileinto').add('mailbox');
    if (rule.action.kind === 'mark-read') used.add('imap4flags');
    if (rule.action.kind === 'forward') used.add('copy');
  }
  if (rules.outOfOffice.enabled) {
    used.add('vacation');
    if (rules.outOfOffice.start || rules.outOfOffice.end) used.add('date').add('relational');
  }
  return ['fileinto', 'mailbox', 'imap4flags', 'copy', 'vacation', 'date', 'relational'].filter((name) => used.has(name));
}

/**
 * The Sieve script for the rules. "Mark read" rules come first: imap4flags (RFC 5232 §3) applies
 * the flags to the fileinto and keep that follow, so a message both moved and marked is read in
 * its new folder whatever the order of the rules on the page.
 */
export function renderMailRules(rules: MailRules): string {
  const checked = mailRulesSchema.parse(rules);
  const lines = [
    '# Quy tắc thư tạo từ trang web (Trả lời tự động, Quy tắc lọc thư). Sửa tay thì trang web chỉ còn xem được.',
    `${MARKER}${JSON.stringify(checked)}`,
  ];
  const required = requirements(checked);
  if (required.length > 0) lines.push(`require [${required.map(quoted).join(', ')}];`);
  const ordered = [...checked.rules.filter((r) => r.action.kind === 'mark-read'), ...checked.rules.filter((r) => r.action.kind !== 'mark-read')];
  for (const rule of ordered) {
    lines.push(`if header :contains ${RULE_HEADERS[rule.field]} ${quoted(rule.contains)} {`, `  ${ruleAction(rule.action)}`, '}');
  }
  if (checked.outOfOffice.enabled) lines.push(...outOfOfficeBlock(checked.outOfOffice));
  return `${lines.join('\n')}\n`;
}

/** The rules a generated script holds, or null when the script was not generated from rules (or was edited since). */
export function readMailRules(script: string): MailRules | null {
  const line = script.split('\n').find((l) => l.startsWith(MARKER));
  if (line === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(MARKER.length));
  } catch {
    return null;
  }
  const rules = mailRulesSchema.safeParse(parsed);
  if (!rules.success) return null;
  return renderMailRules(rules.data) === script ? rules.data : null;
}
