import type { Argument, CommandNode, TestNode } from './ast.js';
import { SieveSyntaxError, type SourcePosition } from './errors.js';
import { Lexer, type Token } from './lexer.js';
import { SIEVE_LIMITS } from './limits.js';

/**
 * RFC 5228 §8.2 grammar, by recursive descent with one token of look-ahead:
 *   commands = *command;  command = identifier arguments (";" / block);  block = "{" commands "}"
 *   arguments = *argument [test / test-list];  argument = string-list / number / tag
 *   test = identifier arguments;  test-list = "(" test *("," test) ")"
 * Size and nesting are checked as the text is read (limits.ts), so no input makes it recurse deep
 * or run long. Every failure is a SieveSyntaxError at the offending token.
 */
export function parseSieve(text: string): CommandNode[] {
  if (Buffer.byteLength(text, 'utf8') > SIEVE_LIMITS.maxScriptBytes) {
    throw new SieveSyntaxError(1, 1, `script is larger than ${SIEVE_LIMITS.maxScriptBytes} bytes`);
  }
  return new Parser(text).script();
}

class Parser {
  private readonly lexer: Lexer;
  private token: Token;
  private depth = 0;
  private nodes = 0;

  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.token = this.lexer.next();
  }

  script(): CommandNode[] {
    const commands = this.commands();
    if (this.token.kind !== 'end') this.fail(this.token.at, `expected a command, found ${describe(this.token)}`);
    return commands;
  }

  private commands(): CommandNode[] {
    const commands: CommandNode[] = [];
    while (this.token.kind === 'identifier') commands.push(this.command());
    return commands;
  }

  private command(): CommandNode {
    const start = this.take() as Extract<Token, { kind: 'identifier' }>;
    this.count(start.at);
    const { args, tests } = this.arguments();
    if (this.isSpecial(';')) {
      this.take();
      return { name: start.value, args, tests, block: null, at: start.at };
    }
    if (this.isSpecial('{')) {
      this.enter(this.token.at);
      this.take();
      const block = this.commands();
      this.expect('}', 'to close the block');
      this.depth--;
      return { name: start.value, args, tests, block, at: start.at };
    }
    return this.fail(this.token.at, `expected ";" or "{" after ${start.value}, found ${describe(this.token)}`);
  }

  private arguments(): { args: Argument[]; tests: TestNode[] } {
    const args: Argument[] = [];
    for (;;) {
      const token = this.token;
      if (token.kind === 'tag') {
        this.take();
        args.push({ kind: 'tag', name: token.value, at: token.at });
      } else if (token.kind === 'number') {
        this.take();
        args.push({ kind: 'number', value: token.value, at: token.at });
      } else if (token.kind === 'string') {
        this.take();
        args.push({ kind: 'strings', values: [token.value], list: false, at: token.at });
      } else if (this.isSpecial('[')) {
        args.push(this.stringList());
      } else break;
    }
    if (this.token.kind === 'identifier') return { args, tests: [this.test()] };
    if (this.isSpecial('(')) return { args, tests: this.testList() };
    return { args, tests: [] };
  }

  private stringList(): Argument {
    const at = this.take().at;
    const values: string[] = [];
    for (;;) {
      const token = this.token;
      if (token.kind !== 'string') return this.fail(token.at, `expected a string in the list, found ${describe(token)}`);
      this.take();
      values.push(token.value);
      if (values.length > SIEVE_LIMITS.maxListLength) this.fail(token.at, `a string list may hold at most ${SIEVE_LIMITS.maxListLength} strings`);
      if (this.isSpecial(',')) this.take();
      else break;
    }
    this.expect(']', 'to close the string list');
    return { kind: 'strings', values, list: true, at };
  }

  private test(): TestNode {
    const start = this.token;
    if (start.kind !== 'identifier') return this.fail(start.at, `expected a test, found ${describe(start)}`);
    this.take();
    this.count(start.at);
    this.enter(start.at);
    const { args, tests } = this.arguments();
    this.depth--;
    return { name: start.value, args, tests, at: start.at };
  }

  private testList(): TestNode[] {
    this.enter(this.token.at);
    this.take();
    const tests = [this.test()];
    while (this.isSpecial(',')) {
      this.take();
      tests.push(this.test());
    }
    this.expect(')', 'to close the test list');
    this.depth--;
    return tests;
  }

  private take(): Token {
    const token = this.token;
    this.token = this.lexer.next();
    return token;
  }

  private isSpecial(value: string): boolean {
    return this.token.kind === 'special' && this.token.value === value;
  }

  private expect(value: string, purpose: string): void {
    if (!this.isSpecial(value)) this.fail(this.token.at, `expected "${value}" ${purpose}, found ${describe(this.token)}`);
    this.take();
  }

  private enter(at: SourcePosition): void {
    if (++this.depth > SIEVE_LIMITS.maxNesting) this.fail(at, `nested deeper than ${SIEVE_LIMITS.maxNesting} levels`);
  }

  private count(at: SourcePosition): void {
    if (++this.nodes > SIEVE_LIMITS.maxNodes) this.fail(at, `more than ${SIEVE_LIMITS.maxNodes} commands and tests`);
  }

  private fail(at: SourcePosition, detail: string): never {
    throw new SieveSyntaxError(at.line, at.column, detail);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the script';
    case 'string':
      return 'a string';
    case 'number':
      return `number ${token.value}`;
    case 'tag':
      return `:${token.value}`;
    default:
      return `"${token.value}"`;
  }
}
