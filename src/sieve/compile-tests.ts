import type { TestNode } from './ast.js';
import { ArgumentReader, fail } from './arguments.js';
import type { AddressPart, Comparator, Match, MatchType, Test } from './program.js';

/** What compiling a test needs to know of its script: the extensions `require`d so far. */
export interface CompileScope {
  /** Fails at `at` unless the script required the extension (RFC 5228 §3.2). */
  requireExtension(name: string, at: TestNode['at'], why: string): void;
  has(name: string): boolean;
}

const MATCH_TAGS = [
  ['is', 'flag'],
  ['contains', 'flag'],
  ['matches', 'flag'],
  ['comparator', 'value'],
] as const;
const ADDRESS_PART_TAGS = [
  ['all', 'flag'],
  ['localpart', 'flag'],
  ['domain', 'flag'],
] as const;
const COMPARATORS: ReadonlySet<string> = new Set(['i;octet', 'i;ascii-casemap']);

/** RFC 5228 §5: the tests, each with the arguments it accepts. */
export function compileTest(node: TestNode, scope: CompileScope): Test {
  switch (node.name) {
    case 'true':
    case 'false':
      noArguments(node);
      return { kind: 'constant', value: node.name === 'true' };
    case 'not': {
      // RFC 5228 §5.8: exactly one test, no test list.
      if (node.args.length > 0 || node.tests.length !== 1) fail(node.at, 'not takes exactly one test');
      return { kind: 'not', test: compileTest(node.tests[0]!, scope) };
    }
    case 'allof':
    case 'anyof':
      if (node.args.length > 0 || node.tests.length === 0) fail(node.at, `${node.name} takes a list of tests in parentheses`);
      return { kind: node.name, tests: node.tests.map((t) => compileTest(t, scope)) };
    case 'address': {
      const args = reader(node, [...MATCH_TAGS, ...ADDRESS_PART_TAGS]);
      const part = addressPart(args);
      const headers = args.strings('the header names');
      const match = matchOf(node, args);
      return { kind: 'address', part, headers: headers.map((h) => h.toLowerCase()), match };
    }
    case 'envelope': {
      scope.requireExtension('envelope', node.at, 'the envelope test');
      const args = reader(node, [...MATCH_TAGS, ...ADDRESS_PART_TAGS]);
      const part = addressPart(args);
      const fields = args.strings('the envelope parts').map((f) => f.toLowerCase());
      for (const field of fields) if (field !== 'from' && field !== 'to') fail(node.at, `envelope part "${field}" is not "from" or "to"`);
      return { kind: 'envelope', part, fields: fields as Array<'from' | 'to'>, match: matchOf(node, args) };
    }
    case 'header': {
      const args = reader(node, MATCH_TAGS);
      const headers = args.strings('the header names');
      return { kind: 'header', headers: headers.map((h) => h.toLowerCase()), match: matchOf(node, args) };
    }
    case 'exists': {
      const args = reader(node, []);
      const headers = args.strings('the header names');
      args.done();
      noTests(node);
      return { kind: 'exists', headers: headers.map((h) => h.toLowerCase()) };
    }
    case 'size': {
      const args = reader(node, [
        ['over', 'flag'],
        ['under', 'flag'],
      ]);
      const side = args.oneOf(['over', 'under']);
      if (side === null) fail(node.at, 'size needs :over or :under');
      const limit = args.number('a size');
      args.done();
      noTests(node);
      return { kind: 'size', over: side === 'over', limit };
    }
    case 'body': {
      scope.requireExtension('body', node.at, 'the body test');
      // RFC 5173 §5: only the default transform, :text, is offered (the text the store extracts).
      const args = reader(node, [...MATCH_TAGS, ['text', 'flag']]);
      return { kind: 'body', match: matchOf(node, args) };
    }
    case 'hasflag': {
      scope.requireExtension('imap4flags', node.at, 'the hasflag test');
      const args = reader(node, MATCH_TAGS);
      return { kind: 'hasflag', match: matchOf(node, args) };
    }
    default:
      return fail(node.at, `unknown test "${node.name}"`);
  }
}

function reader(node: TestNode, tags: ReadonlyArray<readonly [string, 'flag' | 'value']>): ArgumentReader {
  return new ArgumentReader(node, new Map(tags));
}

function addressPart(args: ArgumentReader): AddressPart {
  return args.oneOf(['all', 'localpart', 'domain']) ?? 'all';
}

/**
 * RFC 5228 §2.7: the match type (default :is), comparator (default i;ascii-casemap) and the key
 * list, which ends the arguments. §2.7.3: i;octet and i;ascii-casemap need no `require`.
 */
function matchOf(node: TestNode, args: ArgumentReader): Match {
  const type: MatchType = args.oneOf(['is', 'contains', 'matches']) ?? 'is';
  const comparator = args.tagString('comparator') ?? 'i;ascii-casemap';
  if (!COMPARATORS.has(comparator)) fail(node.at, `comparator "${comparator}" is not supported`);
  const keys = args.strings('the key list');
  args.done();
  noTests(node);
  return { comparator: comparator as Comparator, type, keys };
}

function noArguments(node: TestNode): void {
  if (node.args.length > 0) fail(node.args[0]!.at, `${node.name} takes no arguments`);
  noTests(node);
}

function noTests(node: TestNode): void {
  if (node.tests.length > 0) fail(node.tests[0]!.at, `${node.name} takes no test`);
}
