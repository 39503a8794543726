import type { TestNode } from './ast.js';
import { ArgumentReader, fail } from './arguments.js';
import { DATE_PARTS, type AddressPart, type BodyTransform, type Comparator, type DatePart, type DateZone, type FieldIndex, type Match, type MatchType, type Relation, type Test } from './program.js';

/** What compiling a test needs to know of its script: the extensions `require`d so far. */
export interface CompileScope {
  /** Fails at `at` unless the script required the extension (RFC 5228 §3.2). */
  requireExtension(name: string, at: TestNode['at'], why: string): void;
  has(name: string): boolean;
}

type Tags = ReadonlyArray<readonly [string, 'flag' | 'value']>;

const BASE_MATCH_TAGS: Tags = [
  ['is', 'flag'],
  ['contains', 'flag'],
  ['matches', 'flag'],
  ['comparator', 'value'],
];
/** RFC 5231 §4: :value and :count take the relational operator. */
const RELATIONAL_TAGS: Tags = [
  ['value', 'value'],
  ['count', 'value'],
];
const BASE_ADDRESS_PART_TAGS: Tags = [
  ['all', 'flag'],
  ['localpart', 'flag'],
  ['domain', 'flag'],
];
/** RFC 5233 §4. */
const SUBADDRESS_TAGS: Tags = [
  ['user', 'flag'],
  ['detail', 'flag'],
];
/** RFC 5260 §6. */
const INDEX_TAGS: Tags = [
  ['index', 'value'],
  ['last', 'flag'],
];
const RELATIONS: ReadonlySet<string> = new Set(['gt', 'ge', 'lt', 'le', 'eq', 'ne']);
/** RFC 5228 §2.7.3: i;octet and i;ascii-casemap need no `require`; any other comparator does (its capability is "comparator-" + name). */
const BUILT_IN_COMPARATORS: ReadonlySet<string> = new Set(['i;octet', 'i;ascii-casemap']);
const EXTENSION_COMPARATORS: ReadonlySet<string> = new Set(['i;ascii-numeric']);
/** RFC 5260 §4.2: a zone as "+hhmm" or "-hhmm". */
const ZONE = /^[+-](?:[01][0-9]|2[0-3])[0-5][0-9]$/;

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
      const args = reader(node, [...matchTags(scope), ...addressPartTags(scope), ...indexTags(scope)]);
      const part = addressPart(args);
      const index = fieldIndex(node, args);
      const headers = args.strings('the header names');
      const match = matchOf(node, args, scope);
      return { kind: 'address', part, headers: headers.map((h) => h.toLowerCase()), index, match };
    }
    case 'envelope': {
      scope.requireExtension('envelope', node.at, 'the envelope test');
      const args = reader(node, [...matchTags(scope), ...addressPartTags(scope)]);
      const part = addressPart(args);
      const fields = args.strings('the envelope parts').map((f) => f.toLowerCase());
      for (const field of fields) if (field !== 'from' && field !== 'to') fail(node.at, `envelope part "${field}" is not "from" or "to"`);
      return { kind: 'envelope', part, fields: fields as Array<'from' | 'to'>, match: matchOf(node, args, scope) };
    }
    case 'header': {
      const args = reader(node, [...matchTags(scope), ...indexTags(scope)]);
      const index = fieldIndex(node, args);
      const headers = args.strings('the header names');
      return { kind: 'header', headers: headers.map((h) => h.toLowerCase()), index, match: matchOf(node, args, scope) };
    }
    case 'string': {
      scope.requireExtension('variables', node.at, 'the string test');
      const args = reader(node, matchTags(scope));
      const sources = args.strings('the source strings');
      return { kind: 'string', sources, match: matchOf(node, args, scope) };
    }
    case 'date': {
      scope.requireExtension('date', node.at, 'the date test');
      const args = reader(node, [...matchTags(scope), ...indexTags(scope), ['zone', 'value'], ['originalzone', 'flag']]);
      const index = fieldIndex(node, args);
      const zone = dateZone(node, args, true);
      const header = args.string('a header name').toLowerCase();
      const part = datePartOf(node, args);
      return { kind: 'date', header, zone, part, index, match: matchOf(node, args, scope) };
    }
    case 'currentdate': {
      scope.requireExtension('date', node.at, 'the currentdate test');
      const args = reader(node, [...matchTags(scope), ['zone', 'value']]);
      const zone = dateZone(node, args, false);
      const part = datePartOf(node, args);
      return { kind: 'currentdate', zone, part, match: matchOf(node, args, scope) };
    }
    case 'spamtest': {
      if (!scope.has('spamtestplus')) scope.requireExtension('spamtest', node.at, 'the spamtest test');
      const args = reader(node, [...matchTags(scope), ...(scope.has('spamtestplus') ? ([['percent', 'flag']] as const) : [])]);
      return { kind: 'spamtest', percent: args.has('percent'), match: oneKeyMatch(node, args, scope) };
    }
    case 'virustest': {
      scope.requireExtension('virustest', node.at, 'the virustest test');
      return { kind: 'virustest', match: oneKeyMatch(node, reader(node, matchTags(scope)), scope) };
    }
    case 'mailboxexists': {
      scope.requireExtension('mailbox', node.at, 'the mailboxexists test');
      const args = reader(node, []);
      const folders = args.strings('the folder names');
      args.done();
      noTests(node);
      return { kind: 'mailboxexists', folders };
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
      const args = reader(node, [...matchTags(scope), ['text', 'flag'], ['raw', 'flag'], ['content', 'value']]);
      return { kind: 'body', transform: bodyTransform(node, args), match: matchOf(node, args, scope) };
    }
    case 'hasflag': {
      scope.requireExtension('imap4flags', node.at, 'the hasflag test');
      const args = reader(node, matchTags(scope));
      return { kind: 'hasflag', match: matchOf(node, args, scope) };
    }
    default:
      return fail(node.at, `unknown test "${node.name}"`);
  }
}

function reader(node: TestNode, tags: Tags): ArgumentReader {
  return new ArgumentReader(node, new Map(tags));
}

function matchTags(scope: CompileScope): Tags {
  return scope.has('relational') ? [...BASE_MATCH_TAGS, ...RELATIONAL_TAGS] : BASE_MATCH_TAGS;
}

function addressPartTags(scope: CompileScope): Tags {
  return scope.has('subaddress') ? [...BASE_ADDRESS_PART_TAGS, ...SUBADDRESS_TAGS] : BASE_ADDRESS_PART_TAGS;
}

function indexTags(scope: CompileScope): Tags {
  return scope.has('index') ? INDEX_TAGS : [];
}

function addressPart(args: ArgumentReader): AddressPart {
  return args.oneOf(['all', 'localpart', 'domain', 'user', 'detail']) ?? 'all';
}

/** RFC 5260 §6: `:index n` (1 is the first field) and `:last` (count from the end, only with :index). */
function fieldIndex(node: TestNode, args: ArgumentReader): FieldIndex {
  const position = args.tagNumber('index');
  if (position === null) {
    if (args.has('last')) fail(node.at, ':last needs :index');
    return null;
  }
  if (position < 1) fail(node.at, ':index counts from 1');
  return { position, fromEnd: args.has('last') };
}

/** RFC 5260 §4.2: :zone "+hhmm", or (date only) :originalzone; neither means the server's zone. */
function dateZone(node: TestNode, args: ArgumentReader, original: boolean): DateZone {
  const offset = args.tagString('zone');
  if (offset !== null && args.has('originalzone')) fail(node.at, ':zone and :originalzone cannot be used together');
  if (offset !== null) {
    if (!ZONE.test(offset)) fail(node.at, `zone "${offset}" is not of the form +hhmm or -hhmm`);
    return { kind: 'fixed', offset };
  }
  return original && args.has('originalzone') ? { kind: 'original' } : { kind: 'local' };
}

function datePartOf(node: TestNode, args: ArgumentReader): DatePart {
  const part = args.string('a date part').toLowerCase();
  if (!(DATE_PARTS as readonly string[]).includes(part)) fail(node.at, `date part "${part}" is not one of ${DATE_PARTS.join(', ')}`);
  return part as DatePart;
}

/** RFC 5173 §5: :text (the default), :raw, or :content with a list of MIME types ("" for every part). */
function bodyTransform(node: TestNode, args: ArgumentReader): BodyTransform {
  const given = [args.has('text'), args.has('raw'), args.has('content')].filter(Boolean).length;
  if (given > 1) fail(node.at, ':text, :raw and :content cannot be used together');
  if (args.has('raw')) return { kind: 'raw' };
  const types = args.tagStrings('content');
  return types === null ? { kind: 'text' } : { kind: 'content', types: types.map((t) => t.toLowerCase()) };
}

/** RFC 5235 §3: spamtest and virustest compare their value against one key. */
function oneKeyMatch(node: TestNode, args: ArgumentReader, scope: CompileScope): Match {
  const match = matchOf(node, args, scope);
  if (match.keys.length !== 1) fail(node.at, `${node.name} takes one value`);
  return match;
}

/**
 * RFC 5228 §2.7: the match type (default :is), comparator (default i;ascii-casemap) and the key
 * list, which ends the arguments. RFC 5231 §4: :value and :count name their operator.
 */
function matchOf(node: TestNode, args: ArgumentReader, scope: CompileScope): Match {
  const type: MatchType = args.oneOf(['is', 'contains', 'matches', 'value', 'count']) ?? 'is';
  let relation: Relation | null = null;
  if (type === 'value' || type === 'count') {
    const operator = args.tagString(type)!.toLowerCase();
    if (!RELATIONS.has(operator)) fail(node.at, `relational operator "${operator}" is not one of gt, ge, lt, le, eq, ne`);
    relation = operator as Relation;
  }
  const comparator = args.tagString('comparator') ?? 'i;ascii-casemap';
  if (EXTENSION_COMPARATORS.has(comparator)) scope.requireExtension(`comparator-${comparator}`, node.at, `comparator "${comparator}"`);
  else if (!BUILT_IN_COMPARATORS.has(comparator)) fail(node.at, `comparator "${comparator}" is not supported`);
  // RFC 4790 §9.1: i;ascii-numeric has equality and order, not substrings (RFC 5228 §2.7.3: an error).
  if (comparator === 'i;ascii-numeric' && (type === 'contains' || type === 'matches')) fail(node.at, `comparator "i;ascii-numeric" cannot be used with :${type}`);
  const keys = args.strings('the key list');
  args.done();
  noTests(node);
  return { comparator: comparator as Comparator, type, relation, keys };
}

function noArguments(node: TestNode): void {
  if (node.args.length > 0) fail(node.args[0]!.at, `${node.name} takes no arguments`);
  noTests(node);
}

function noTests(node: TestNode): void {
  if (node.tests.length > 0) fail(node.tests[0]!.at, `${node.name} takes no test`);
}
