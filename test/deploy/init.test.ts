/**
 * `cantho-mail init` on an empty directory gives a config that `serve` starts with, and the DKIM
 * record it prints verifies (mailauth) a message the server signed and relayed; a second init
 * refuses to overwrite; `dkim keygen` alone makes a key whose record verifies the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dkimSign, dkimVerify } from 'mailauth';
import { SMTPServer } from 'smtp-server';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/ports.js';
import { runProcess } from '../interop/readme-server.js';
import { swaks } from '../smtp/clients.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/cantho-mail.mjs');
const SLOW = 240_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[], stdin?: string) => runProcess(process.execPath, [BIN, ...args], { cwd: dir, stdin, env: { ...process.env, CANTHO_MAIL_CONFIG: '' }, timeoutMs: SLOW });

interface PrintedRecord {
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

/** mailauth's resolver from the records init printed: TXT values as the strings DNS returns. */
function resolverOf(records: readonly PrintedRecord[]) {
  return async (name: string, type: string) => {
    const found = records.filter((r) => r.name.replace(/\.$/, '') === name.replace(/\.$/, '') && r.type === type);
    if (found.length === 0) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found.map((r) => (type === 'TXT' ? [r.value] : r.value));
  };
}

describe('init on an empty directory', () => {
  const install = path.join(dir, 'etc');

  it('makes the files, prints the records, and refuses to run twice', { timeout: SLOW }, async () => {
    const made = await cli(['--json', 'init', install, '--selector', 'mail2026']);
    expect(made.code, made.stderr).toBe(0);
    const printed = JSON.parse(made.stdout) as { config: string; database: string; dkimPrivateKey: string; records: PrintedRecord[] };
    expect(printed.config).toBe(path.join(install, 'cantho-mail.toml'));
    expect(printed.database).toBe(path.join(install, 'data', 'mail.db'));
    expect(statSync(printed.dkimPrivateKey).mode & 0o777).toBe(0o600);
    expect(printed.records.map((r) => `${r.name} ${r.type}`)).toEqual([
      'mail.cantho.gov.vn. A',
      '<public IPv4 address of this server> PTR',
      'cantho.gov.vn. MX',
      'cantho.gov.vn. TXT',
      'mail2026._domainkey.cantho.gov.vn. TXT',
      '_dmarc.cantho.gov.vn. TXT',
      '_imaps._tcp.cantho.gov.vn. SRV',
      '_imap._tcp.cantho.gov.vn. SRV',
      '_submissions._tcp.cantho.gov.vn. SRV',
      '_submission._tcp.cantho.gov.vn. SRV',
      'autoconfig.cantho.gov.vn. CNAME',
      'autodiscover.cantho.gov.vn. CNAME',
    ]);
    writeFileSync(path.join(dir, 'records.json'), JSON.stringify(printed.records));

    const before = readFileSync(printed.config, 'utf8');
    const again = await cli(['init', install]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: not overwriting what exists: .*cantho-mail\.toml, .*spam-rules\.toml/);
    expect(readFileSync(printed.config, 'utf8')).toBe(before);
  });

  it('serve starts with that config, and the printed DKIM record verifies a message it signed', { timeout: SLOW }, async () => {
    const records = JSON.parse(readFileSync(path.join(dir, 'records.json'), 'utf8')) as PrintedRecord[];
    const configFile = path.join(install, 'cantho-mail.toml');
    // Free loopback ports (the defaults collide with other test files), a smarthost of ours, no
    // first-use password change: the rest is init's config as written.
    const config = parseToml(readFileSync(configFile, 'utf8')) as Record<string, Record<string, unknown>>;
    const port = async () => `127.0.0.1:${await freeLoopbackPort()}`;
    Object.assign(config.smtp!, { mx: await port(), submission: await port(), submissions: await port() });
    Object.assign(config.imap!, { listen: await port(), tls_listen: await port() });
    config.http!.listen = await port();
    config.sieve = { ...config.sieve, managesieve: await port() };
    config.ldap = { ...config.ldap, listen: await port(), tls_listen: await port() };
    const relayPort = await freeLoopbackPort();
    config.smtp!.relay = `127.0.0.1:${relayPort}`;
    config.policy!.require_password_change = false;
    writeFileSync(configFile, stringifyToml(config));

    const relayed: Buffer[] = [];
    const smarthost = new SMTPServer({
      authOptional: true,
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          relayed.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smarthost.listen(relayPort, '127.0.0.1', resolve));
    const served = spawn(process.execPath, [BIN, '--config', configFile, 'serve'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    served.stdout.on('data', (c: Buffer) => (log += c.toString()));
    served.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const http = String(config.http!.listen);
      for (let tries = 0; ; tries++) {
        const ok = await fetch(`http://${http}/healthz`).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (served.exitCode !== null || tries > 900) throw new Error(`serve did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await cli(['--config', configFile, 'unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-VP'])).code).toBe(0);
      const added = await cli(['--config', configFile, 'person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP', '--password-stdin'], 'Phu-Sa-Mien-Tay-9153\n');
      expect(added.code, added.stderr).toBe(0);

      const sent = await swaks([
        '--server', String(config.smtp!.submission), '--tls', '--auth', 'PLAIN', '--auth-user', 'annv@cantho.gov.vn', '--auth-password', 'Phu-Sa-Mien-Tay-9153',
        '--from', 'annv@cantho.gov.vn', '--to', 'friend@example.org', '--header', 'Subject: DKIM from init',
      ]);
      expect(sent.code, sent.output).toBe(0);
      for (let tries = 0; relayed.length === 0; tries++) {
        if (tries > 900) throw new Error(`nothing relayed:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(relayed[0]!.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=cantho\.gov\.vn;[^]*? s=mail2026;/);
      const verified = await dkimVerify(relayed[0]!, { resolver: resolverOf(records) as never });
      expect(verified.results.map((r) => [r.signingDomain, r.status.result]), `${JSON.stringify(verified.results)}\n${relayed[0]!.toString()}`).toEqual([['cantho.gov.vn', 'pass']]);
    } finally {
      served.kill('SIGTERM');
      await new Promise((resolve) => served.once('exit', resolve));
      await new Promise<void>((resolve) => smarthost.close(() => resolve()));
    }
  });
});

describe('dkim keygen', () => {
  it('writes the private key once and prints a record that verifies its signature', { timeout: SLOW }, async () => {
    const keys = path.join(dir, 'keys');
    const made = await cli(['--json', 'dkim', 'keygen', '--selector', 'mail2027', '--dir', keys]);
    expect(made.code, made.stderr).toBe(0);
    const { privateKey, record } = JSON.parse(made.stdout) as { privateKey: string; record: PrintedRecord };
    expect(record.name).toBe('mail2027._domainkey.cantho.gov.vn.');
    const key = { signingDomain: 'cantho.gov.vn', selector: 'mail2027', privateKey: readFileSync(privateKey, 'utf8') };
    const message = Buffer.from('From: annv@cantho.gov.vn\r\nTo: friend@example.org\r\nSubject: t\r\n\r\nXin chao\r\n');
    const signed = await dkimSign(message, { ...key, signatureData: [key] });
    const verified = await dkimVerify(Buffer.concat([Buffer.from(signed.signatures), message]), { resolver: resolverOf([record]) as never });
    expect(verified.results.map((r) => r.status.result), `${JSON.stringify(verified.results)}\n${record.value}`).toEqual(['pass']);

    const again = await cli(['dkim', 'keygen', '--selector', 'mail2027', '--dir', keys]);
    expect(again).toMatchObject({ code: 1, stderr: `error: ${privateKey} exists: not overwritten (a published key is in use)\n` });
  });
});
