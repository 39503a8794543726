import type { CommandNode } from './ast.js';
import { ArgumentReader, fail } from './arguments.js';
import { SIEVE_EXTENSIONS } from './capabilities.js';
import { compileTest, type CompileScope } from './compile-tests.js';
import { parseSieve } from './parser.js';
import { SET_MODIFIERS, type Command, type SetModifier, type SieveProgram, type VacationSpec } from './program.js';
import { VARIABLE_NAME } from './variables.js';

const DAY_SECONDS = 24 * 60 * 60;
/** RFC 5230 §4.1: the default :days; a site minimum of one day (RFC 6131 §2 allows 0 for :seconds only). */
const DEFAULT_VACATION_DAYS = 7;
/** A plain addr-spec (RFC 5322 §3.4.1, without quoted local parts or domain literals): what redirect may name. */
export const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Parses and checks a script: every command known, its arguments typed, its extensions required. Throws SieveSyntaxError. */
export function compileSieve(text: string): SieveProgram {
  const nodes = parseSieve(text);
  const extensions = new Set<string>();
  const scope: CompileScope = {
    requireExtension(name, at, why) {
      if (!extensions.has(name)) fail(at, `${why} needs require "${name}"`);
    },
    has: (name) => extensions.has(name),
  };
  // RFC 5228 §3.2: require may appear only before every other command.
  let index = 0;
  for (; index < nodes.length && nodes[index]!.name === 'require'; index++) {
    const node = nodes[index]!;
    if (node.block) fail(node.at, 'require takes no block');
    const args = new ArgumentReader(node, new Map());
    for (const name of args.strings('the extension names')) {
      if (!SIEVE_EXTENSIONS.has(name)) fail(node.args[0]!.at, `extension "${name}" is not supported`);
      extensions.add(name);
    }
    args.done();
  }
  return { extensions, commands: compileBlock(nodes.slice(index), scope) };
}

function compileBlock(nodes: readonly CommandNode[], scope: CompileScope): Command[] {
  const commands: Command[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.name === 'if') {
      const branches = [{ test: conditionOf(node, scope), block: compileBlock(node.block ?? [], scope) }];
      let otherwise: Command[] | null = null;
      // RFC 5228 §3.1: elsif and else belong to the if just before them.
      while (nodes[i + 1]?.name === 'elsif') {
        const next = nodes[++i]!;
        branches.push({ test: conditionOf(next, scope), block: compileBlock(next.block ?? [], scope) });
      }
      if (nodes[i + 1]?.name === 'else') {
        const next = nodes[++i]!;
        if (next.args.length > 0 || next.tests.length > 0) fail(next.at, 'else takes no test');
        otherwise = compileBlock(blockOf(next), scope);
      }
      commands.push({ kind: 'if', branches, otherwise });
    } else {
      commands.push(compileAction(node, scope));
    }
  }
  return commands;
}

function conditionOf(node: CommandNode, scope: CompileScope) {
  if (node.args.length > 0) fail(node.args[0]!.at, `${node.name} takes a test, not arguments`);
  if (node.tests.length !== 1) fail(node.at, `${node.name} needs exactly one test`);
  blockOf(node);
  return compileTest(node.tests[0]!, scope);
}

function blockOf(node: CommandNode): readonly CommandNode[] {
  if (node.block === null) return fail(node.at, `${node.name} needs a block in braces`);
  return node.block;
}

function compileAction(node: CommandNode, scope: CompileScope): Command {
  if (node.name === 'require') fail(node.at, 'require must come before every other command');
  if (node.name === 'elsif' || node.name === 'else') fail(node.at, `${node.name} must follow if`);
  if (node.block !== null) fail(node.at, `${node.name} takes no block`);
  if (node.tests.length > 0) fail(node.tests[0]!.at, `${node.name} takes no test`);
  const flagsTag: Array<[string, 'flag' | 'value']> = scope.has('imap4flags') ? [['flags', 'value']] : [];
  switch (node.name) {
    case 'stop':
    case 'discard':
      new ArgumentReader(node, new Map()).done();
      return { kind: node.name };
    case 'keep': {
      const args = new ArgumentReader(node, new Map(flagsTag));
      args.done();
      return { kind: 'keep', flags: args.tagStrings('flags') };
    }
    case 'fileinto': {
      scope.requireExtension('fileinto', node.at, 'fileinto');
      const args = new ArgumentReader(node, new Map([...flagsTag, ...optionalTags(scope, ['copy', 'copy'], ['create', 'mailbox'])]));
      const folder = args.string('a folder name');
      args.done();
      if (folder === '' || folder.length > 512) fail(node.at, 'fileinto needs a folder name of 1 to 512 characters');
      return { kind: 'fileinto', folder, copy: args.has('copy'), create: args.has('create'), flags: args.tagStrings('flags') };
    }
    case 'redirect': {
      const args = new ArgumentReader(node, new Map(optionalTags(scope, ['copy', 'copy'])));
      const address = args.string('an address');
      args.done();
      // RFC 5228 §4.2: an address that is not syntactically valid is a run-time error; we refuse it
      // earlier, at save time, unless a variable fills it in (RFC 5229 §3), when the run checks it.
      if (!ADDRESS.test(address) && !(scope.has('variables') && address.includes('${'))) fail(node.args[node.args.length - 1]!.at, `"${address}" is not an e-mail address`);
      return { kind: 'redirect', address: address.toLowerCase(), copy: args.has('copy'), at: node.at };
    }
    case 'setflag':
    case 'addflag':
    case 'removeflag': {
      scope.requireExtension('imap4flags', node.at, node.name);
      const args = new ArgumentReader(node, new Map());
      const flags = args.strings('the flags');
      args.done();
      return { kind: node.name, flags };
    }
    case 'vacation':
      scope.requireExtension('vacation', node.at, 'vacation');
      return { kind: 'vacation', spec: compileVacation(node, scope) };
    case 'set':
      scope.requireExtension('variables', node.at, 'set');
      return compileSet(node);
    case 'reject':
    case 'ereject': {
      // RFC 5429 §2.1, §2.2: one reason; `reject` may answer with an MDN, we answer both with a refusal or a DSN.
      scope.requireExtension(node.name, node.at, node.name);
      const args = new ArgumentReader(node, new Map());
      const reason = args.string('the reason');
      args.done();
      return { kind: 'reject', reason, extended: node.name === 'ereject' };
    }
    default:
      return fail(node.at, `unknown command "${node.name}"`);
  }
}

/** RFC 5229 §4: set [modifiers] <name> <value>; at most one modifier of each precedence. */
function compileSet(node: CommandNode): Command {
  const args = new ArgumentReader(node, new Map(SET_MODIFIERS.map((m) => [m, 'flag'] as const)));
  const name = args.string('a variable name');
  const value = args.string('a value');
  args.done();
  if (!VARIABLE_NAME.test(name)) fail(node.args[node.args.length - 2]!.at, `"${name}" is not a variable name`);
  // §4.1: two modifiers of one precedence (:lower and :upper, :lowerfirst and :upperfirst) are an error.
  args.oneOf<SetModifier>(['lower', 'upper']);
  args.oneOf<SetModifier>(['lowerfirst', 'upperfirst']);
  return { kind: 'set', name, value, modifiers: SET_MODIFIERS.filter((m) => args.has(m)) };
}

/** Tags offered only when their extension is required: [tag, extension]. */
function optionalTags(scope: CompileScope, ...tags: ReadonlyArray<readonly [string, string]>): Array<[string, 'flag']> {
  return tags.filter(([, extension]) => scope.has(extension)).map(([tag]) => [tag, 'flag']);
}

/** RFC 5230 §4: vacation [:days n] [:subject s] [:from s] [:addresses list] [:mime] [:handle s] reason; RFC 6131 :seconds. */
function compileVacation(node: CommandNode, scope: CompileScope): VacationSpec {
  const tags = new Map<string, 'flag' | 'value'>([
    ['days', 'value'],
    ['subject', 'value'],
    ['from', 'value'],
    ['addresses', 'value'],
    ['mime', 'flag'],
    ['handle', 'value'],
  ]);
  if (scope.has('vacation-seconds')) tags.set('seconds', 'value');
  const args = new ArgumentReader(node, tags);
  const reason = args.string('the reason');
  args.done();
  if (args.has('days') && args.has('seconds')) fail(node.at, ':days and :seconds cannot be used together');
  const days = args.tagNumber('days');
  const seconds = args.tagNumber('seconds');
  // RFC 5230 §4.1: :days 0 is raised to the site minimum of one day.
  const periodSeconds = seconds ?? Math.max(1, days ?? DEFAULT_VACATION_DAYS) * DAY_SECONDS;
  return {
    periodSeconds,
    subject: args.tagString('subject'),
    from: args.tagString('from'),
    addresses: (args.tagStrings('addresses') ?? []).map((a) => a.toLowerCase()),
    mime: args.has('mime'),
    handle: args.tagString('handle'),
    reason,
  };
}
