import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/mime/index.js';
import type { MessageAnalysis, MimePart } from '../../src/store/types.js';

/** A message shape to build: leaves carry the exact body text the analysis must point back to. */
type Shape =
  | { readonly kind: 'leaf'; readonly headers: readonly string[]; readonly body: string }
  | { readonly kind: 'multipart'; readonly subtype: string; readonly boundary: string; readonly children: readonly Shape[] }
  | { readonly kind: 'message'; readonly subject: string; readonly inner: Shape };

/** Body text without `-`, so no body line can be taken for a delimiter. */
const bodyText = fc
  .array(fc.stringMatching(/^[a-zA-Z0-9 .,:;=]{0,20}$/), { maxLength: 5 })
  .map((lines) => lines.join('\n'));
const leafHeaders = fc.subarray([
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Disposition: attachment; filename="a b.txt"',
  'Content-ID: <x@y>',
]);

const shape: fc.Arbitrary<Shape> = fc.letrec<{ node: Shape }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('leaf' as const), headers: leafHeaders, body: bodyText }),
    fc.record({
      kind: fc.constant('multipart' as const),
      subtype: fc.constantFrom('mixed', 'alternative', 'related'),
      // Boundaries that prefix each other or repeat in nested parts: the longest, then the innermost, wins.
      boundary: fc.constantFrom('b', 'b_', 'b_x', '=_b', 'c'),
      children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant('message' as const), subject: fc.stringMatching(/^[a-z ]{0,10}$/), inner: tie('node') }),
  ),
})).node;

/** Builds the message text for a shape; line ends are `eol` except inside leaf bodies (bare LF there too). */
function build(node: Shape, eol: string): string {
  switch (node.kind) {
    case 'leaf':
      return [...node.headers, ''].join(eol) + eol + node.body.replaceAll('\n', eol);
    case 'multipart': {
      const parts = node.children.map((child) => `--${node.boundary}${eol}${build(child, eol)}${eol}`);
      return [`Content-Type: multipart/${node.subtype}; boundary="${node.boundary}"`, '', 'preamble', ''].join(eol) + parts.join('') + `--${node.boundary}--${eol}epilogue`;
    }
    case 'message':
      return [`Subject: ${node.subject}`, 'Content-Type: message/rfc822', '', ''].join(eol) + build(node.inner, eol);
  }
}

/** The analysis points back at exactly the bodies the shape was built from. */
function expectMatches(raw: Buffer, part: MimePart, node: Shape, eol: string): void {
  switch (node.kind) {
    case 'leaf':
      expect(raw.subarray(part.bodyStart, part.bodyEnd).toString()).toBe(node.body.replaceAll('\n', eol));
      expect(part.children).toBeUndefined();
      return;
    case 'multipart':
      expect([part.type, part.subtype, part.children?.length]).toEqual(['multipart', node.subtype, node.children.length]);
      node.children.forEach((child, i) => expectMatches(raw, part.children![i]!, child, eol));
      return;
    case 'message':
      expect(part.message).toBeDefined();
      expectMatches(raw, part.message!.structure, node.inner, eol);
  }
}

/** What must hold for any input: offsets inside the message and ordered, shapes the IMAP formatter can print. */
function expectWellFormed(raw: Buffer, analysis: MessageAnalysis): void {
  const check = (part: MimePart, lower: number, upper: number): void => {
    expect(lower <= part.headerStart && part.headerStart <= part.bodyStart && part.bodyStart <= part.bodyEnd && part.bodyEnd <= upper).toBe(true);
    expect(part.size).toBe(part.bodyEnd - part.bodyStart);
    expect(part.lines).toBeGreaterThanOrEqual(0);
    expect(part.type).toMatch(/^[^\s"]+$/);
    if (part.type === 'multipart') expect(part.children?.length).toBeGreaterThan(0);
    if (part.type === 'message' && part.subtype === 'rfc822') expect(part.message).toBeDefined();
    let previousEnd = part.bodyStart;
    for (const child of part.children ?? []) {
      check(child, previousEnd, part.bodyEnd);
      previousEnd = child.bodyEnd;
    }
    if (part.message) {
      expect(part.message.structure.headerStart).toBe(part.bodyStart);
      check(part.message.structure, part.bodyStart, part.bodyEnd);
    }
  };
  expect(analysis.headerSize).toBe(analysis.structure.bodyStart);
  expect([analysis.structure.headerStart, analysis.structure.bodyEnd]).toEqual([0, raw.length]);
  check(analysis.structure, 0, raw.length);
  for (const text of Object.values(analysis.searchText)) expect(typeof text).toBe('string');
}

/** Edits that break structure in the ways real damaged mail does. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom('\r\n', '\n', '--', '\r\n\r\n', '"', '(', ';', '=').map((s) => Buffer.from(s)) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(raw: Buffer, edits: ReadonlyArray<fc.Arbitrary<unknown> extends never ? never : typeof mutation extends fc.Arbitrary<infer M> ? M : never>): Buffer {
  let out = raw;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    if (edit.op === 'insert') out = Buffer.concat([out.subarray(0, at), edit.bytes, out.subarray(at)]);
    else if (edit.op === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + edit.length)]);
    else out = out.subarray(0, at);
  }
  return out;
}

/** Fragments that make random input look like MIME often enough to reach the interesting paths. */
const mimeish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'Content-Type: multipart/mixed; boundary=b\r\n',
        'Content-Type: message/rfc822\n',
        'Content-Type: multipart/digest; boundary="b"\r\n',
        'content-type: text/html; charset*0*=utf-8\'\'x; name*1="y"\r\n',
        'To: g: a@b, "c" <d@e>;, (x) <@r:f@g>\r\n',
        'From: =?utf-8?q?x?= <>\r\n',
        '\r\n',
        '\n',
        '--b\r\n',
        '--b--',
        '<script>',
        '<!--',
        '=\r\n',
        '=C3',
        '\t folded\r\n',
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => Buffer.from(pieces.join('')));

describe('analyzeMessage fuzz', () => {
  it('points every part of a generated message at the exact bytes it was built from', () => {
    fc.assert(
      fc.property(shape, fc.constantFrom('\r\n', '\n'), (node, eol) => {
        const raw = Buffer.from(build(node, eol));
        const analysis = analyzeMessage(raw);
        expectWellFormed(raw, analysis);
        expectMatches(raw, analysis.structure, node, eol);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on damaged messages, and their offsets stay in range and ordered', () => {
    fc.assert(
      fc.property(shape, fc.array(mutation, { minLength: 1, maxLength: 6 }), (node, edits) => {
        const raw = mutate(Buffer.from(build(node, '\r\n')), edits);
        expectWellFormed(raw, analyzeMessage(raw));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes or MIME-like noise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)), mimeish), (raw) => {
        expectWellFormed(raw, analyzeMessage(raw));
      }),
      { numRuns: 1000 },
    );
  });
});
