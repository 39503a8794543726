import { parseAddressList } from '../mime/index.js';
import { foldVietnamese } from '../text/index.js';
import { RunBudget } from './budget.js';
import { SIEVE_LIMITS } from './limits.js';
import { matchesAny } from './match.js';
import type { AddressPart, Command, SieveProgram, Test, VacationSpec } from './program.js';
import type { SieveMessage, SievePlan, SieveRedirect, SieveFiling } from './types.js';

/** The script tried more redirects than one message may cause (RFC 5228 §4.2, limits.ts). */
export class TooManyRedirects extends Error {
  override readonly name = 'TooManyRedirects';
}

/**
 * Runs a compiled script on one message for one recipient (RFC 5228 §2.10) and returns what to do
 * with it. The language has no loops, so a run's length is bounded by the script's size; the
 * matching work it does is bounded by a RunBudget. Throws SieveRunLimit (budget.ts) or TooManyRedirects; the
 * caller then keeps the message (§2.10.6).
 */
export function runSieve(program: SieveProgram, message: SieveMessage): SievePlan {
  const run = new Run(message);
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

  constructor(private readonly message: SieveMessage) {}

  block(commands: readonly Command[]): void {
    for (const command of commands) {
      if (this.stopped) return;
      this.command(command);
    }
  }

  finish(): SievePlan {
    if (this.implicitKeep) this.file(null, false, this.flags);
    return { filings: this.filings, redirects: this.redirects, vacation: this.vacation, implicitKeep: this.implicitKeep };
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
        this.file(null, false, command.flags ?? this.flags);
        return;
      case 'discard':
        this.implicitKeep = false;
        return;
      case 'fileinto':
        if (!command.copy) this.implicitKeep = false;
        this.file(command.folder, command.create, command.flags ?? this.flags);
        return;
      case 'redirect':
        if (!command.copy) this.implicitKeep = false;
        // RFC 5228 §2.10.3: the same redirect twice is done once.
        if (this.redirects.some((r) => r.address === command.address)) return;
        if (this.redirects.length >= SIEVE_LIMITS.maxRedirects) throw new TooManyRedirects(`more than ${SIEVE_LIMITS.maxRedirects} redirects`);
        this.redirects.push({ address: command.address });
        return;
      case 'setflag':
        this.flags = [];
        this.addFlags(command.flags);
        return;
      case 'addflag':
        this.addFlags(command.flags);
        return;
      case 'removeflag': {
        const removed = new Set(splitFlags(command.flags).map((f) => f.toLowerCase()));
        this.flags = this.flags.filter((f) => !removed.has(f.toLowerCase()));
        return;
      }
      case 'vacation':
        // RFC 5230 §4: one response per message; a second vacation in the same run has nothing left to do.
        this.vacation ??= command.spec;
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
        return matchesAny(this.headerValues(test.headers), test.match, this.budget);
      case 'address':
        return matchesAny(this.addressValues(test.headers, test.part), test.match, this.budget);
      case 'envelope':
        return matchesAny(
          test.fields.map((field) => addressPart(this.message.envelope[field], test.part)),
          test.match,
          this.budget,
        );
      case 'exists':
        return test.headers.every((name) => this.message.headers.some((h) => h.name === name));
      case 'size':
        return test.over ? this.message.size > test.limit : this.message.size < test.limit;
      case 'body':
        // The text is folded for Vietnamese (search-text.ts), so the keys are too: "hop" finds "Họp".
        return matchesAny([this.message.bodyText], { ...test.match, keys: test.match.keys.map(foldVietnamese) }, this.budget);
      case 'hasflag':
        return matchesAny(this.flags, test.match, this.budget);
    }
  }

  private headerValues(names: readonly string[]): string[] {
    return this.message.headers.filter((h) => names.includes(h.name)).map((h) => h.value);
  }

  /** RFC 5228 §5.1: each address of the named fields; group names are not addresses. */
  private addressValues(names: readonly string[], part: AddressPart): string[] {
    const values: string[] = [];
    for (const value of this.headerValues(names)) {
      for (const address of parseAddressList(value) ?? []) {
        if (address.mailbox === null || address.host === null) continue;
        values.push(addressPart(`${address.mailbox}@${address.host}`, part));
      }
    }
    return values;
  }
}

/** RFC 5228 §2.7.4; the null reverse-path ("") has no parts and matches only "". */
function addressPart(address: string, part: AddressPart): string {
  if (part === 'all' || address === '') return address;
  const at = address.lastIndexOf('@');
  if (at < 0) return part === 'localpart' ? address : '';
  return part === 'localpart' ? address.slice(0, at) : address.slice(at + 1);
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

