import type { Argument, CommandNode, TestNode } from './ast.js';
import { SieveSyntaxError, type SourcePosition } from './errors.js';

/**
 * Reads one command's or test's arguments against what it accepts: tagged arguments (some with a
 * value after them, RFC 5228 §2.6.2) in any order, then the positional ones in order. Anything
 * left over, repeated or of the wrong kind is a SieveSyntaxError at that argument.
 */
export class ArgumentReader {
  private readonly tags = new Map<string, Argument | null>();
  private readonly positional: Argument[] = [];
  private next = 0;

  constructor(
    private readonly node: CommandNode | TestNode,
    /** Tag name → whether a value follows it (`:days 5`) or not (`:copy`). */
    accepted: ReadonlyMap<string, 'flag' | 'value'>,
  ) {
    const args = node.args;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg.kind !== 'tag') {
        this.positional.push(arg);
        continue;
      }
      if (this.positional.length > 0) fail(arg.at, `:${arg.name} must come before the other arguments of ${node.name}`);
      const shape = accepted.get(arg.name);
      if (shape === undefined) fail(arg.at, `${node.name} has no argument :${arg.name}`);
      if (this.tags.has(arg.name)) fail(arg.at, `:${arg.name} is given twice`);
      if (shape === 'value') {
        const value = args[i + 1];
        if (value === undefined || value.kind === 'tag') fail(arg.at, `:${arg.name} needs a value`);
        this.tags.set(arg.name, value);
        i++;
      } else this.tags.set(arg.name, null);
    }
  }

  has(tag: string): boolean {
    return this.tags.has(tag);
  }

  /** The first of `tags` given, or null; giving two of them is an error (RFC 5228 §2.7: one match type, one address part). */
  oneOf<T extends string>(tags: readonly T[]): T | null {
    const given = tags.filter((t) => this.tags.has(t));
    if (given.length > 1) fail(this.node.at, `${given.map((t) => `:${t}`).join(' and ')} cannot be used together`);
    return given[0] ?? null;
  }

  tagString(tag: string): string | null {
    const value = this.tags.get(tag);
    if (value === undefined || value === null) return null;
    if (value.kind !== 'strings' || value.list) fail(value.at, `:${tag} takes one string`);
    return value.values[0]!;
  }

  tagStrings(tag: string): readonly string[] | null {
    const value = this.tags.get(tag);
    if (value === undefined || value === null) return null;
    if (value.kind !== 'strings') fail(value.at, `:${tag} takes a string list`);
    return value.values;
  }

  tagNumber(tag: string): number | null {
    const value = this.tags.get(tag);
    if (value === undefined || value === null) return null;
    if (value.kind !== 'number') fail(value.at, `:${tag} takes a number`);
    return value.value;
  }

  string(what: string): string {
    const arg = this.take(what);
    if (arg.kind !== 'strings' || arg.list) fail(arg.at, `${this.node.name} needs ${what} as one string`);
    return arg.values[0]!;
  }

  strings(what: string): readonly string[] {
    const arg = this.take(what);
    if (arg.kind !== 'strings') fail(arg.at, `${this.node.name} needs ${what} as a string list`);
    return arg.values;
  }

  number(what: string): number {
    const arg = this.take(what);
    if (arg.kind !== 'number') fail(arg.at, `${this.node.name} needs ${what} as a number`);
    return arg.value;
  }

  hasMore(): boolean {
    return this.next < this.positional.length;
  }

  /** Every argument was used. */
  done(): void {
    const extra = this.positional[this.next];
    if (extra) fail(extra.at, `${this.node.name} has one argument too many`);
  }

  private take(what: string): Argument {
    const arg = this.positional[this.next++];
    if (!arg) fail(this.node.at, `${this.node.name} needs ${what}`);
    return arg;
  }
}

export function fail(at: SourcePosition, detail: string): never {
  throw new SieveSyntaxError(at.line, at.column, detail);
}
