import dgram from 'node:dgram';
import { isIP } from 'node:net';

/**
 * A small authoritative DNS server on 127.0.0.1 (UDP) answering from a table, for tests and
 * benches of the served process: `[dns] servers = ["127.0.0.1:PORT"]` makes the product
 * independent of this machine's resolver (which takes 1 s to fail a PTR query here).
 *
 * Wire format per RFC 1035 §4.1: one question per query; answers use a compression pointer to
 * the question name (§4.1.4). A name in the table without the asked type answers NOERROR with no
 * records (RFC 2308 §2.2 NODATA); a name not in the table answers NXDOMAIN (RFC 1035 §4.1.1
 * RCODE 3) after `unknownDelayMs`, or not at all with `unknown: 'drop'` (a dead server).
 */

export interface DnsRecords {
  readonly A?: readonly string[];
  readonly MX?: ReadonlyArray<{ readonly exchange: string; readonly priority: number }>;
  /** Each entry is one TXT record; longer than 255 bytes is split into character-strings. */
  readonly TXT?: readonly string[];
  readonly PTR?: readonly string[];
}

/** Names, any case, without the trailing dot. */
export type DnsZone = Readonly<Record<string, DnsRecords>>;

export interface DnsServerOptions {
  /** 'nxdomain' (default) after `unknownDelayMs`; 'drop': never answered, the client times out. */
  readonly unknown?: 'nxdomain' | 'drop';
  readonly unknownDelayMs?: number;
}

export interface RunningDnsServer {
  /** For `[dns] servers`. */
  readonly address: string;
  readonly port: number;
  /** Every question asked so far, as "name TYPE" (lowercase name). */
  readonly queries: string[];
  close(): Promise<void>;
}

const TYPES = { A: 1, PTR: 12, MX: 15, TXT: 16 } as const;
type RecordType = keyof typeof TYPES;
const TYPE_NAMES = new Map<number, RecordType>(Object.entries(TYPES).map(([name, code]) => [code, name as RecordType]));
const CLASS_IN = 1;
const TTL_SECONDS = 300;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;

export async function startDnsServer(zone: DnsZone, options: DnsServerOptions = {}): Promise<RunningDnsServer> {
  const table = new Map(Object.entries(zone).map(([name, records]) => [name.toLowerCase().replace(/\.$/, ''), records]));
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (query, peer) => {
    const send = (response: Buffer) => socket.send(response, peer.port, peer.address);
    const question = parseQuestion(query);
    if (!question) {
      if (query.length >= 12) send(header(query, RCODE_FORMERR, 0));
      return;
    }
    queries.push(`${question.name} ${TYPE_NAMES.get(question.type) ?? question.type}`);
    const records = table.get(question.name);
    if (records) {
      send(answer(query, question, records));
      return;
    }
    if (options.unknown === 'drop') return;
    const delay = options.unknownDelayMs ?? 0;
    if (delay === 0) {
      send(Buffer.concat([header(query, RCODE_NXDOMAIN, 0), question.raw]));
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(Buffer.concat([header(query, RCODE_NXDOMAIN, 0), question.raw]));
    }, delay);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        socket.close(() => resolve());
      }),
  };
}

/** The PTR owner name of an IPv4 address (RFC 1035 §3.5 in-addr.arpa); the tests run on 127.0.0.1. */
export function reverseName(ip: string): string {
  if (isIP(ip) !== 4) throw new Error(`reverseName: IPv4 only, not ${ip}`);
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** The question section as received, echoed in the response (RFC 1035 §4.1.2). */
  readonly raw: Buffer;
}

function parseQuestion(query: Buffer): Question | null {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = query[offset];
    if (length === undefined || length > 63) return null;
    offset++;
    if (length === 0) break;
    labels.push(query.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > query.length) return null;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset), raw: query.subarray(12, offset + 4) };
}

/** RFC 1035 §4.1.1: the query's ID and RD bit, QR and AA set, RA set, one question. */
function header(query: Buffer, rcode: number, answers: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  out.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answers, 6);
  return out;
}

function answer(query: Buffer, question: Question, records: DnsRecords): Buffer {
  const type = TYPE_NAMES.get(question.type);
  const rdatas = type ? rdataOf(type, records) : [];
  const resourceRecords = rdatas.map((rdata) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // pointer to the question name at offset 12
    fixed.writeUInt16BE(question.type, 2);
    fixed.writeUInt16BE(CLASS_IN, 4);
    fixed.writeUInt32BE(TTL_SECONDS, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header(query, 0, resourceRecords.length), question.raw, ...resourceRecords]);
}

function rdataOf(type: RecordType, records: DnsRecords): Buffer[] {
  switch (type) {
    case 'A':
      return (records.A ?? []).map((ip) => Buffer.from(ip.split('.').map(Number)));
    case 'MX':
      return (records.MX ?? []).map((mx) => {
        const preference = Buffer.alloc(2);
        preference.writeUInt16BE(mx.priority);
        return Buffer.concat([preference, encodeName(mx.exchange)]);
      });
    case 'TXT':
      return (records.TXT ?? []).map(characterStrings);
    case 'PTR':
      return (records.PTR ?? []).map(encodeName);
  }
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])), Buffer.from([0])]);
}

/** RFC 1035 §3.3.14: TXT-DATA is one or more <character-string>s of at most 255 bytes. */
function characterStrings(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || parts.length === 0; offset += 255) {
    const chunk = bytes.subarray(offset, offset + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}
