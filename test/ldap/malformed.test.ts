import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BerError, BerReader, TAG, element, integer, octetString, sequence } from '../../src/ldap/ber.js';
import { MAX_FILTER_DEPTH, MAX_REQUEST_BYTES } from '../../src/ldap/index.js';
import { decodeMessage } from '../../src/ldap/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Bad input (RFC 4511 §4.1.1): malformed BER, oversized PDUs and deep filters end the connection
 * with a Notice of Disconnection (protocolError), never a crash; the server keeps serving.
 */
const NOTICE_OID = '1.3.6.1.4.1.1466.20036';

const bindRequest = (id: number, name = '', password = ''): Buffer =>
  sequence([integer(id), element(0x60, [integer(3), octetString(name), octetString(password, 0x80)])]);
const presentObjectClass = octetString('objectClass', 0x87);
const searchRequest = (id: number, filter: Buffer = presentObjectClass): Buffer =>
  sequence([
    integer(id),
    element(0x63, [octetString('dc=cantho,dc=gov,dc=vn'), integer(2, TAG.enumerated), integer(0, TAG.enumerated), integer(0), integer(0), Buffer.from([0x01, 0x01, 0x00]), filter, sequence([])]),
  ]);
const whoAmI = (id: number): Buffer => sequence([integer(id), element(0x77, [octetString('1.3.6.1.4.1.4203.1.11.3', 0x80)])]);

describe('the decoder, fuzzed', () => {
  test('random bytes are a BerError or a message, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeMessage(Buffer.from(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(BerError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('a valid search with bytes changed is a BerError or a message', () => {
    const valid = searchRequest(7, element(0xa1, [element(0xa4, [octetString('cn'), sequence([octetString('an', 0x81)])]), element(0xa3, [octetString('mail'), octetString('x')])]));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
        const mutated = Buffer.from(valid);
        for (const [at, byte] of changes) mutated[at] = byte;
        try {
          decodeMessage(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(BerError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test(`a filter nested deeper than ${MAX_FILTER_DEPTH} is refused`, () => {
    let filter = presentObjectClass;
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) filter = element(0xa2, filter);
    expect(() => decodeMessage(searchRequest(1, filter))).toThrow(/nested deeper/);
  });
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false }, config: { ldap: { anonymous: true } } });
});
afterAll(async () => {
  await server?.close();
});

/** Sends `bytes`, collects what the server writes until it closes the connection (or 5 s pass). */
function exchange(bytes: Buffer, endAfterSend = false): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(server.ports.ldap, '127.0.0.1', () => {
      socket.write(bytes);
      if (endAfterSend) socket.end();
    });
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The messages in `bytes` as [messageID, protocolOp tag, resultCode, extended response name]. */
function responses(bytes: Buffer): Array<[number, number, number, string | null]> {
  const out: Array<[number, number, number, string | null]> = [];
  const all = new BerReader(bytes);
  while (!all.done) {
    const message = all.enter(TAG.sequence);
    const id = message.readInteger();
    const op = message.read();
    const body = new BerReader(op.value);
    const code = op.tag === 0x64 ? -1 : body.readInteger(TAG.enumerated);
    let name: string | null = null;
    if (op.tag === 0x78) {
      body.read();
      body.read();
      name = body.readIfTag(0x8a)?.value.toString() ?? null;
    }
    out.push([id, op.tag, code, name]);
  }
  return out;
}

describe('malformed input over a real socket', () => {
  test('bytes that are no LDAPMessage: Notice of Disconnection with protocolError (2)', async () => {
    expect(responses(await exchange(Buffer.from('GET / HTTP/1.0\r\n\r\n')))).toEqual([[0, 0x78, 2, NOTICE_OID]]);
  });

  test('an indefinite length is refused (RFC 4511 §5.1)', async () => {
    expect(responses(await exchange(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00])))).toEqual([[0, 0x78, 2, NOTICE_OID]]);
  });

  test('a PDU announced larger than the limit is refused from its header, before its body arrives', async () => {
    const header = Buffer.from([0x30, 0x84, 0, 0, 0, 0]);
    header.writeUInt32BE(MAX_REQUEST_BYTES + 1, 2);
    expect(responses(await exchange(header))).toEqual([[0, 0x78, 2, NOTICE_OID]]);
  });

  test('a too deep filter after a good bind: the bind is answered, then the notice', async () => {
    let filter = presentObjectClass;
    for (let i = 0; i < 200; i++) filter = element(0xa2, filter);
    const answer = responses(await exchange(Buffer.concat([bindRequest(1), searchRequest(2, filter)])));
    expect(answer).toEqual([
      [1, 0x61, 0, null],
      [0, 0x78, 2, NOTICE_OID],
    ]);
  });

  test('an update is unwillingToPerform (53) with its own response; the connection goes on', async () => {
    const del = sequence([integer(3), octetString('uid=annv,dc=cantho,dc=gov,dc=vn', 0x4a)]);
    const answer = responses(await exchange(Buffer.concat([bindRequest(1), del, whoAmI(4), sequence([integer(5), Buffer.from([0x42, 0x00])])])));
    expect(answer).toEqual([
      [1, 0x61, 0, null],
      [3, 0x6b, 53, null],
      [4, 0x78, 0, null],
    ]);
  });

  test('a critical control we do not know is unavailableCriticalExtension (12); a malformed paged control ends the connection', async () => {
    const withControl = (id: number, control: Buffer): Buffer => {
      const search = searchRequest(id);
      // The LDAPMessage SEQUENCE's contents, then the [0] Controls after the operation (RFC 4511 §4.1.1).
      const contents = new BerReader(search).read(TAG.sequence).value;
      return sequence([contents, sequence([control], 0xa0)]);
    };
    const unknownCritical = sequence([octetString('1.2.3.4'), Buffer.from([0x01, 0x01, 0xff])]);
    const badPaged = sequence([octetString('1.2.840.113556.1.4.319'), octetString(Buffer.from([0x30, 0x03, 0x02, 0x01]))]);
    const answer = responses(await exchange(Buffer.concat([bindRequest(1), withControl(2, unknownCritical), withControl(3, badPaged)])));
    expect(answer).toEqual([
      [1, 0x61, 0, null],
      [2, 0x65, 12, null],
      [0, 0x78, 2, NOTICE_OID],
    ]);
  });

  test('random bytes never stop the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        await exchange(Buffer.from(bytes), true);
      }),
      { numRuns: 25 },
    );
    const answer = responses(await exchange(Buffer.concat([bindRequest(1), searchRequest(2), sequence([integer(3), Buffer.from([0x42, 0x00])])])));
    expect(answer.at(0)).toEqual([1, 0x61, 0, null]);
    expect(answer.at(-1)).toEqual([2, 0x65, 0, null]);
  });
});
