import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileSieve, parseSieve, SIEVE_LIMITS, SieveSyntaxError } from '../../src/sieve/index.js';

function syntaxError(script: string): SieveSyntaxError {
  try {
    compileSieve(script);
  } catch (error) {
    if (error instanceof SieveSyntaxError) return error;
    throw error;
  }
  throw new Error('the script compiled');
}

describe('Sieve grammar (RFC 5228 §8)', () => {
  test('reads commands, tagged arguments, string lists, test lists, blocks and comments', () => {
    const program = compileSieve(
      [
        '# comment',
        'require ["fileinto", "copy", "mailbox"]; /* bracket',
        '   comment */',
        'if anyof (header :contains "Subject" ["họp", "meeting"], address :domain :is "from" "cantho.gov.vn") {',
        '  fileinto :copy :create "Họp";',
        '} elsif size :over 1M { discard; } else { keep; }',
      ].join('\r\n'),
    );
    expect(program.extensions).toEqual(new Set(['fileinto', 'copy', 'mailbox']));
    expect(program.commands).toMatchObject([
      {
        kind: 'if',
        branches: [
          { test: { kind: 'anyof', tests: [{ kind: 'header', match: { type: 'contains', keys: ['họp', 'meeting'] } }, { kind: 'address', part: 'domain' }] }, block: [{ kind: 'fileinto', folder: 'Họp', copy: true, create: true }] },
          { test: { kind: 'size', over: true, limit: 1024 * 1024 }, block: [{ kind: 'discard' }] },
        ],
        otherwise: [{ kind: 'keep' }],
      },
    ]);
  });

  test('multi-line strings: dot-stuffing undone, lines end in CRLF, a hash comment after text:', () => {
    const program = compileSieve('require "vacation";\nvacation text: # the reply\nĐang đi công tác.\n..dot\n.\n;\n');
    expect(program.commands).toEqual([expect.objectContaining({ kind: 'vacation', spec: expect.objectContaining({ reason: 'Đang đi công tác.\r\n.dot\r\n', periodSeconds: 7 * 86400 }) })]);
  });

  test('quoted strings: \\" and \\\\ are escapes, other backslashes are dropped', () => {
    const [node] = parseSieve('x "a\\"b\\\\c\\d";');
    expect(node!.args).toEqual([expect.objectContaining({ kind: 'strings', values: ['a"b\\cd'] })]);
  });

  test('numbers take K, M and G as powers of two', () => {
    expect(parseSieve('x 2K 3m 1G 7;')[0]!.args.map((a) => (a.kind === 'number' ? a.value : null))).toEqual([2048, 3 * 1024 ** 2, 1024 ** 3, 7]);
  });

  test.each([
    ['if true { keep;', 1, 16, 'expected "}" to close the block, found the end of the script'],
    ['keep;\n  fileinto "x";', 2, 3, 'fileinto needs require "fileinto"'],
    ['require "fileinto";\nif header :contains "subject" "a" {\n  fileinto;\n}', 3, 3, 'fileinto needs a folder name'],
    ['require "nonsense";', 1, 9, 'extension "nonsense" is not supported'],
    ['keep;\nrequire "fileinto";', 2, 1, 'require must come before every other command'],
    ['frobnicate;', 1, 1, 'unknown command "frobnicate"'],
    ['if header :is :contains "a" "b" { keep; }', 1, 4, ':is and :contains cannot be used together'],
    ['redirect "not an address";', 1, 10, '"not an address" is not an e-mail address'],
    ['keep', 1, 5, 'expected ";" or "{" after keep, found the end of the script'],
    ['if true { keep; } else true { keep; }', 1, 19, 'else takes no test'],
    ['"unterminated', 1, 1, 'string is never closed'],
    ['elsif true { keep; }', 1, 1, 'elsif must follow if'],
  ])('%j is refused at line:column', (script, line, column, detail) => {
    const error = syntaxError(script);
    expect({ line: error.line, column: error.column, detail: error.detail }).toEqual({ line, column, detail });
    expect(error.message).toBe(`line ${line}:${column}: ${detail}`);
  });

  test('limits: size, nesting depth, string length', () => {
    expect(syntaxError(`# ${'x'.repeat(SIEVE_LIMITS.maxScriptBytes)}`).detail).toMatch(/script is larger than/);
    expect(syntaxError(`${'if true { '.repeat(SIEVE_LIMITS.maxNesting + 1)}${'}'.repeat(SIEVE_LIMITS.maxNesting + 1)}`).detail).toMatch(/nested deeper than/);
    expect(syntaxError(`${'not '.repeat(100)}`).detail).toBeTruthy();
    expect(syntaxError(`keep "${'a'.repeat(SIEVE_LIMITS.maxStringLength + 1)}";`).detail).toMatch(/string is longer than/);
  });
});

describe('parser fuzz', () => {
  const alphabet = fc.constantFrom(
    'if', 'elsif', 'else', 'require', 'keep', 'discard', 'fileinto', 'redirect', 'stop', 'vacation', 'header', 'address', 'not', 'anyof', 'allof',
    ':is', ':contains', ':matches', ':comparator', ':days', ':copy', ':create', ':flags',
    '"fileinto"', '"x"', '"a*b?"', '"\\"', '[', ']', '(', ')', '{', '}', ',', ';', ' ', '\n', '\r\n', '#c\n', '/*', '*/', 'text:\n', '.\n', '..', '12', '3K', '99999999999999999999G', ':', '\u0000', 'ệ',
  );

  test('any token soup parses or fails with a SieveSyntaxError carrying a position', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), (tokens) => {
        const script = tokens.join(' ');
        try {
          compileSieve(script);
        } catch (error) {
          expect(error).toBeInstanceOf(SieveSyntaxError);
          const { line, column } = error as SieveSyntaxError;
          expect(line).toBeGreaterThanOrEqual(1);
          expect(column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('arbitrary text never throws anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (script) => {
        try {
          compileSieve(script);
        } catch (error) {
          expect(error).toBeInstanceOf(SieveSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
