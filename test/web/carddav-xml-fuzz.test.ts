/**
 * The WebDAV XML reader (src/web/carddav/xml-reader.ts) against random input: any text ends in a
 * document or an XmlError, never another exception; and a random tree written as XML, with
 * namespaces, entities and CDATA, reads back as the same tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, readXml, XmlError, type XmlElement } from '../../src/web/carddav/xml-reader.js';

/** Pieces of XML, so that random strings are often nearly well-formed. */
const PIECES = ['<', '>', '/', '</', '/>', '<a', '<D:prop', '</D:prop>', ' xmlns:D="DAV:"', ' x="1"', "='", '"', '&amp;', '&#x41;', '&e;', '&', '<!--', '-->', '<![CDATA[', ']]>', '<?xml', '?>', '<!DOCTYPE', 'Đào', ' '];

interface Tree {
  readonly ns: 'DAV:' | 'urn:ietf:params:xml:ns:carddav';
  readonly name: string;
  readonly text: string;
  readonly children: readonly Tree[];
}

const textArb = fc.array(fc.constantFrom('a', 'Ạ', '<', '>', '&', '"', "'", ' ', ']]', 'đ'), { maxLength: 6 }).map((cs) => cs.join(''));
const nsArb = fc.constantFrom('DAV:' as const, 'urn:ietf:params:xml:ns:carddav' as const);
const nameArb = fc.constantFrom('prop', 'href', 'address-data', 'text-match');
/** Trees up to `depth` levels under the root, up to three children each. */
function treeOf(depth: number): fc.Arbitrary<Tree> {
  const children = depth === 0 ? fc.constant([]) : fc.array(treeOf(depth - 1), { maxLength: 3 });
  return fc.record({ ns: nsArb, name: nameArb, text: textArb, children });
}
const treeArb = treeOf(4);

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Text before the children, as escaped characters or as a CDATA section. */
function write(tree: Tree, cdata: boolean): string {
  const prefix = tree.ns === 'DAV:' ? 'D' : 'C';
  const text = cdata && !tree.text.includes(']]>') ? `<![CDATA[${tree.text}]]>` : escape(tree.text);
  return `<${prefix}:${tree.name}>${text}${tree.children.map((c) => write(c, cdata)).join('')}</${prefix}:${tree.name}>`;
}

function shape(element: XmlElement): Tree {
  return { ns: element.ns as Tree['ns'], name: element.name, text: element.text, children: element.children.map(shape) };
}

describe('xml-reader', () => {
  it('ends any input in a document or an XmlError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        try {
          readXml(pieces.join(''));
        } catch (error) {
          expect(error).toBeInstanceOf(XmlError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back a written tree, with namespaces, escapes and CDATA', () => {
    fc.assert(
      fc.property(treeArb, fc.boolean(), (tree, cdata) => {
        const document = `<?xml version="1.0"?>\n<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">${write(tree, cdata)}</D:multistatus>`;
        expect(shape(readXml(document).children[0]!)).toEqual(tree);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses nesting past MAX_DEPTH and any DTD', () => {
    expect(() => readXml(`${'<a>'.repeat(MAX_DEPTH + 1)}${'</a>'.repeat(MAX_DEPTH + 1)}`)).toThrow(XmlError);
    expect(() => readXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(XmlError);
  });
});
