import { parseAddressList } from '../mime/index.js';
import { foldVietnamese } from '../text/index.js';
import { bodyValues } from './body.js';
import { RunBudget } from './budget.js';
import { ADDRESS } from './compile.js';
import { datePart, inZone, parseMessageDate } from './dates.js';
import { SIEVE_LIMITS } from './limits.js';
import { matchesAny } from './match.js';
import type { AddressPart, Command, FieldIndex, Match, SieveProgram, Test, VacationSpec } from './program.js';
import type { SieveMessage, SievePlan, SieveRedirect, SieveFiling } from './types.js';
import { applyModifiers, Variables } from './variables.js';

/** The script tried more redirects than one message may cause (RFC 5228 §4.2, limits.ts). */
export class TooManyRedirects extends Error {
  override readonly name = 'TooManyRedirects';
}

/** A run asked for actions that cannot go together (RFC 5429 §2.1: reject with a filing or a redirect) or for a bad address (RFC 5228 §4.2). */
export class SieveRunError extends Error {
  override readonly name = 'SieveRunError';
}

/**
 * Runs a compiled script on one message for one recipient (RFC 5228 §2.10) and returns what to do
 * with it. The language has no loops, so a run's length is bounded by the script's size; the
 * matching work it does is bounded by a RunBudget. Throws SieveRunLimit (budget.ts) or TooManyRedirects; the
 * caller then keeps the message (§2.10.6).
 */
export function runSieve(program: SieveProgram, message: SieveMessage): SievePlan {
  const run = new Run(message, program.extensions.has('variables') ? new Variables() : null);
  run.block(program.commands);
  return run.finish();
}

class Run {
  private readonly budget = new RunBudget();
  private readonly filings: SieveFiling[] = [];
  private readonly redirects: SieveRedirect[] = [];
  private vacation: VacationSpec | null = null;
  /** RFC 5228 §2.10.2: cancelled by discard, fileinto and redirect (without :copy, RFC 3894). */
  private implicitKeep = true;
  /** RFC 5232 §3: the internal variable of imap4flags. */
  private flags: string[] = [];
  private stopped = false;
  private reject: SievePlan['reject'] = null;
  private explicitActions = 0;

  /** `variables` is null when the script did not require "variables": its strings are then literal. */
  constructor(
    private readonly message: SieveMessage,
    private readonly variables: Variables | null,
  ) {}

  block(commands: readonly Command[]): void {
    for (const command of commands) {
      if (this.stopped) return;
      this.command(command);
    }
  }

  finish(): SievePlan {
    if (this.reject) {
      // RFC 5429 §2.1: a refusal cannot also file or forward the message.
      if (this.explicitActions > 0) throw new SieveRunError('reject cannot be combined with keep, fileinto or redirect');
      return { filings: [], redirects: [], vacation: this.vacation, implicitKeep: false, reject: this.reject };
    }
    if (this.implicitKeep) this.file(null, false, this.flags);
    return { filings: this.filings, redirects: this.redirects, vacation: this.vacation, implicitKeep: this.implicitKeep, reject: null };
  }

  /** RFC 5229 §3: a string with its variables filled in; building it spends from the budget like matching does. */
  private text(value: string): string {
    if (!this.variables) return value;
    const expanded = this.variables.expand(value);
    if (expanded !== value) this.budget.spend(expanded.length);
    return expanded;
  }

  private texts(values: readonly string[]): string[] {
    return values.map((v) => this.text(v));
  }

  private command(command: Command): void {
    switch (command.kind) {
      case 'if': {
        const branch = command.branches.find((b) => this.test(b.test));
        this.block(branch ? branch.block : (command.otherwise ?? []));
        return;
      }
      case 'stop':
        this.stopped = true;
        return;
      case 'keep':
        this.implicitKeep = false;
        this.explicitActions++;
        this.file(null, false, command.flags ? this.texts(command.flags) : this.flags);
        return;
      case 'discard':
        this.implicitKeep = false;
        return;
      case 'fileinto': {
        if (!command.copy) this.implicitKeep = false;
        this.explicitActions++;
        const folder = this.text(command.folder);
        if (folder === '' || folder.length > 512) throw new SieveRunError('fileinto needs a folder name of 1 to 512 characters');
        this.file(folder, command.create, command.flags ? this.texts(command.flags) : this.flags);
        return;
      }
      case 'redirect': {
        if (!command.copy) this.implicitKeep = false;
        this.explicitActions++;
        const address = this.text(command.address).toLowerCase();
        if (!ADDRESS.test(address)) throw new SieveRunError(`redirect to "${address}", which is not an e-mail address`);
        // RFC 5228 §2.10.3: the same redirect twice is done once.
        if (this.redirects.some((r) => r.address === address)) return;
        if (this.redirects.length >= SIEVE_LIMITS.maxRedirects) throw new TooManyRedirects(`more than ${SIEVE_LIMITS.maxRedirects} redirects`);
        this.redirects.push({ address });
        return;
      }
      case 'setflag':
        this.flags = [];
        this.addFlags(this.texts(command.flags));
        return;
      case 'addflag':
        this.addFlags(this.texts(command.flags));
        return;
      case 'removeflag': {
        const removed = new Set(splitFlags(this.texts(command.flags)).map((f) => f.toLowerCase()));
        this.flags = this.flags.filter((f) => !removed.has(f.toLowerCase()));
        return;
      }
      case 'vacation': {
        // RFC 5230 §4: one response per message; a second vacation in the same run has nothing left to do.
        if (this.vacation) return;
        const spec = command.spec;
        const optional = (value: string | null) => (value === null ? null : this.text(value));
        this.vacation = { ...spec, subject: optional(spec.subject), from: optional(spec.from), handle: optional(spec.handle), reason: this.text(spec.reason), addresses: this.texts(spec.addresses).map((a) => a.toLowerCase()) };
        return;
      }
      case 'set':
        this.variables?.set(command.name, applyModifiers(this.text(command.value), command.modifiers));
        return;
      case 'reject':
        // RFC 5429 §2.1: more than one reject in a run is an error.
        if (this.reject) throw new SieveRunError('reject or ereject ran twice');
        this.implicitKeep = false;
        this.reject = { reason: this.text(command.reason), extended: command.extended };
        return;
    }
  }

  /** RFC 5228 §2.10.3: filing into the same folder twice files once (the later flags win). */
  private file(folder: string | null, create: boolean, flags: readonly string[]): void {
    const existing = this.filings.findIndex((f) => f.folder === folder);
    const filing = { folder, create, flags: splitFlags(flags) };
    if (existing >= 0) this.filings[existing] = filing;
    else this.filings.push(filing);
  }

  private addFlags(flags: readonly string[]): void {
    const have = new Set(this.flags.map((f) => f.toLowerCase()));
    for (const flag of splitFlags(flags)) {
      if (!have.has(flag.toLowerCase())) {
        have.add(flag.toLowerCase());
        this.flags.push(flag);
      }
    }
  }

  private test(test: Test): boolean {
    this.budget.spend(1);
    switch (test.kind) {
      case 'constant':
        return test.value;
      case 'not':
        return !this.test(test.test);
      case 'allof':
        return test.tests.every((t) => this.test(t));
      case 'anyof':
        return test.tests.some((t) => this.test(t));
      case 'header':
        return this.matches(this.headerValues(this.texts(test.headers), test.index), test.match);
      case 'address':
        return this.matches(this.addressValues(this.texts(test.headers), test.index, test.part), test.match);
      case 'envelope':
        return this.matches(
          test.fields.flatMap((field) => addressPart(this.message.envelope[field], test.part) ?? []),
          test.match,
        );
      case 'exists':
        return test.headers.every((name) => this.message.headers.some((h) => h.name === name));
      case 'size':
        return test.over ? this.message.size > test.limit : this.message.size < test.limit;
      case 'body':
        if (test.transform.kind === 'text') {
          // The text is folded for Vietnamese (search-text.ts), so the keys are too: "hop" finds "Họp".
          return this.matchExpanded([this.message.bodyText], { ...test.match, keys: this.texts(test.match.keys).map(foldVietnamese) });
        }
        return this.matches(bodyValues(this.message, test.transform), test.match);
      case 'hasflag':
        return this.matches(this.flags, test.match);
      case 'string':
        // RFC 5229 §5: with :count, empty strings are not counted.
        return this.matches(this.texts(test.sources).filter((s) => s !== '' || test.match.type !== 'count'), test.match);
      case 'date': {
        // RFC 5260 §4.1: a Received field's date is what follows its last ";" (RFC 5322 §3.6.7).
        const dateText = (value: string) => (test.header === 'received' ? value.slice(value.lastIndexOf(';') + 1) : value);
        const dates = this.headerValues([test.header], test.index).flatMap((value) => parseMessageDate(dateText(value)) ?? []);
        return this.matches(dates.map((date) => datePart(inZone(date, test.zone), test.part)), test.match);
      }
      case 'currentdate':
        return this.matches([datePart(inZone({ time: this.message.now, offsetMinutes: 0 }, test.zone), test.part)], test.match);
      case 'spamtest': {
        const { spamtest, spamPercent } = this.message.verdict;
        // RFC 5235 §3.3: with :percent an untested message matches nothing.
        if (test.percent) return spamtest === 0 ? false : this.matches([String(spamPercent)], test.match);
        return this.matches([String(spamtest)], test.match);
      }
      case 'virustest':
        return this.matches([String(this.message.verdict.virustest)], test.match);
      case 'mailboxexists': {
        // RFC 5490 §3.1: every named folder exists (INBOX in any case, RFC 3501 §5.1).
        const have = new Set(this.message.folders.map((f) => (f.toUpperCase() === 'INBOX' ? 'INBOX' : f)));
        return this.texts(test.folders).every((f) => have.has(f.toUpperCase() === 'INBOX' ? 'INBOX' : f));
      }
    }
  }

  /** Matches with the keys' variables filled in (RFC 5229 §3). */
  private matches(values: readonly string[], match: Match): boolean {
    return this.matchExpanded(values, this.variables ? { ...match, keys: this.texts(match.keys) } : match);
  }

  /** Matches keys already filled in; a successful :matches sets the match variables (RFC 5229 §3.2). */
  private matchExpanded(values: readonly string[], match: Match): boolean {
    const variables = this.variables;
    return matchesAny(values, match, this.budget, variables ? (captures) => variables.setCaptures(captures) : undefined);
  }

  /** The values of the named fields, or (RFC 5260 §6 :index) the one occurrence of each name asked for. */
  private headerValues(names: readonly string[], index: FieldIndex = null): string[] {
    const lower = names.map((n) => n.toLowerCase());
    if (index === null) return this.message.headers.filter((h) => lower.includes(h.name)).map((h) => h.value);
    return lower.flatMap((name) => {
      const values = this.message.headers.filter((h) => h.name === name).map((h) => h.value);
      const value = values[index.fromEnd ? values.length - index.position : index.position - 1];
      return value === undefined ? [] : [value];
    });
  }

  /** RFC 5228 §5.1: each address of the named fields; group names are not addresses. */
  private addressValues(names: readonly string[], index: FieldIndex, part: AddressPart): string[] {
    const values: string[] = [];
    for (const value of this.headerValues(names, index)) {
      for (const address of parseAddressList(value) ?? []) {
        if (address.mailbox === null || address.host === null) continue;
        const selected = addressPart(`${address.mailbox}@${address.host}`, part);
        if (selected !== null) values.push(selected);
      }
    }
    return values;
  }
}

/**
 * The separator between a user and a detail (RFC 5233 §2): `+`, the common one. Our own MX takes
 * no subaddressed recipients (local parts are a-z 0-9 . _ -, src/directory), so the envelope's
 * `to` never has a detail; addresses of other systems in the header fields may (docs/sieve.md
 * "Subaddresses").
 */
const DETAIL_SEPARATOR = '+';

/**
 * RFC 5228 §2.7.4; the null reverse-path ("") has no parts and matches only "". RFC 5233 §4:
 * :detail of an address without a separator is no value at all (null: the test does not match),
 * while "user+" has an empty detail.
 */
function addressPart(address: string, part: AddressPart): string | null {
  if (part === 'all' || address === '') return address;
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  if (part === 'domain') return at < 0 ? '' : address.slice(at + 1);
  if (part === 'localpart') return local;
  const separator = local.indexOf(DETAIL_SEPARATOR);
  if (part === 'user') return separator < 0 ? local : local.slice(0, separator);
  return separator < 0 ? null : local.slice(separator + 1);
}

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]));
/** RFC 3501 §9: a keyword is an atom — printable ASCII without atom-specials. */
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/**
 * RFC 5232 §3: each string of a flag list may hold several flags separated by spaces. A name that
 * is neither a system flag nor a valid keyword is dropped (§3: the implementation may ignore it),
 * so the store never sees it.
 */
function splitFlags(flags: readonly string[]): string[] {
  return flags
    .flatMap((f) => f.split(' '))
    .map((f) => SYSTEM_FLAGS.get(f.toLowerCase()) ?? f)
    .filter((f) => SYSTEM_FLAGS.has(f.toLowerCase()) || KEYWORD.test(f));
}

