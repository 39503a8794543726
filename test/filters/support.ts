import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import pino, { type Logger } from 'pino';
import { configFromObject, type Config, type ConfigInput } from '../../src/config/index.js';
import type { FilterContext } from '../../src/filters/verdict.js';

/** Shared by the filter tests: temp dirs, a logger whose lines can be read, messages, zips. */

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A config whose rules file is `rulesFile`; clamd settings come from `clamav` when given. */
export function testConfig(rulesFile: string, extra: ConfigInput = {}): Config {
  return configFromObject({ ...extra, spam: { rules: rulesFile }, server: { data_dir: path.dirname(rulesFile) } });
}

export function writeRules(dir: string, body: string, thresholds = 'junk_at = 5.0\nreject_at = 10.0\ntag_subject_at = 8.0\nsubject_tag = "[SPAM]"'): string {
  const file = path.join(dir, 'spam-rules.toml');
  writeFileSync(file, `[thresholds]\n${thresholds}\n\n${body}`);
  return file;
}

export function inbound(overrides: Partial<FilterContext> = {}): FilterContext {
  return {
    direction: 'inbound',
    remoteIp: '203.0.113.7',
    helo: 'mx.example.net',
    mailFrom: 'sender@example.net',
    recipients: ['annv@cantho.gov.vn'],
    authenticatedAs: null,
    ...overrides,
  };
}

export function outbound(overrides: Partial<FilterContext> = {}): FilterContext {
  return inbound({ direction: 'outbound', remoteIp: '10.0.0.5', mailFrom: 'annv@cantho.gov.vn', authenticatedAs: 'annv@cantho.gov.vn', recipients: ['x@example.net'], ...overrides });
}

/** Builds a real MIME message with nodemailer's composer (the library our submission clients use too). */
export async function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ from: 'Sender <sender@example.net>', to: 'annv@cantho.gov.vn', subject: 'Test', ...options }).compile().build();
}

/** A plain one-part message, CRLF line ends. */
export function plain(subject: string, body: string, headers: Record<string, string> = {}): Buffer {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.from(`From: Sender <sender@example.net>\r\nTo: annv@cantho.gov.vn\r\nSubject: ${subject}\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`);
}

/**
 * A minimal ZIP writer (APPNOTE.TXT §4.3: local headers, central directory, end record), deflated
 * entries, so the tests do not depend on a `zip` binary.
 */
export function makeZip(entries: ReadonlyArray<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
