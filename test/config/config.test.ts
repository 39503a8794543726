import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromObject, loadConfig, locateConfigFile, parseDuration, parseHostPort, parseSize } from '../../src/config/index.js';

function writeConfig(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-config-'));
  const file = path.join(dir, 'cantho-mail.toml');
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('runs on embedded defaults: loopback listeners, cantho.gov.vn, 25MB messages', () => {
    const config = configFromObject({});
    expect(config.server.domain).toBe('cantho.gov.vn');
    expect(config.smtp.mx).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(config.imap.listen).toEqual({ host: '127.0.0.1', port: 2143 });
    expect(config.smtp.max_message_size).toBe(25 * 1024 * 1024);
    expect(config.localDomains).toEqual(['cantho.gov.vn']);
    expect(config.imap.allow_plaintext_auth).toBe(false);
  });

  it('reads the shipped files without complaint', () => {
    for (const name of ['cantho-mail.toml', 'production.toml']) {
      const config = loadConfig(path.resolve('config', name));
      expect(config.server.domain).toBe('cantho.gov.vn');
      expect(config.paths.spamRules).toBe(path.resolve('config/spam-rules.toml'));
    }
  });

  it('rejects a typo in a key with the key path, instead of falling back to a default', () => {
    const file = writeConfig('[smtp]\nmax_mesage_size = "10MB"\n');
    const err = errorOf(() => loadConfig(file));
    expect(err.message).toBe(`${file}: smtp: unknown key "max_mesage_size"`);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('reads the [units] working calendar, and refuses a malformed one with the key path', () => {
    const units = configFromObject({ units: { working_hours: '07:30-11:30,13:30-17:00', working_days: 'Mon-Sat', digest_at: '' } }).units;
    expect(units.working_hours).toEqual([{ start: 450, end: 690 }, { start: 810, end: 1020 }]);
    expect(units.working_days).toEqual([1, 2, 3, 4, 5, 6]);
    expect(units.digest_at).toBeNull();
    expect(configFromObject({}).units).toMatchObject({ reminder_hours: 4, digest_at: 450, timezone: 'Asia/Ho_Chi_Minh', holidays: [], check_every: 300_000 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ working_hours: '13:00-11:30' }, 'units.working_hours: not periods like "07:00-11:30,13:00-17:00": "13:00-11:30"'],
      [{ working_hours: '07:00-12:00,11:00-17:00' }, 'units.working_hours: not periods like'],
      [{ working_days: 'Thứ Hai-Thứ Sáu' }, 'units.working_days: not days like "Mon-Fri"'],
      [{ holidays: ['2027-02-30'] }, 'units.holidays.0: a date like "2027-01-01"'],
      [{ timezone: 'Asia/Can_Tho' }, 'units.timezone: an IANA time zone like "Asia/Ho_Chi_Minh"'],
      [{ digest_at: '7h30' }, 'units.digest_at: not a time like "07:30"'],
    ];
    for (const [table, message] of cases) expect(errorOf(() => configFromObject({ units: table })).message).toContain(message);
  });

  it('rejects an unknown table', () => {
    const err = errorOf(() => configFromObject({ imapp: {} }));
    expect(err.message).toBe('(defaults): unknown key "imapp"');
  });

  it('rejects a bad port with the key path and the reason', () => {
    const file = writeConfig('[imap]\nlisten = "127.0.0.1:70000"\n');
    const err = errorOf(() => loadConfig(file));
    expect(err.keyPath).toBe('imap.listen');
    expect(err.message).toContain('imap.listen: not "host:port"');
  });

  it('rejects a missing file and a TOML syntax error in one line each', () => {
    const missing = errorOf(() => loadConfig('/nonexistent/cantho-mail.toml'));
    expect(missing.message).toBe('/nonexistent/cantho-mail.toml: cannot read: ENOENT');
    const file = writeConfig('[server\ndomain = 1\n');
    const syntax = errorOf(() => loadConfig(file));
    expect(syntax.message).toMatch(/TOML syntax at line 1, column \d+/);
    expect(syntax.message.split('\n')).toHaveLength(1);
  });

  it('rejects wrong types and bad sizes', () => {
    expect(errorOf(() => configFromObject({ imap: { allow_plaintext_auth: 'yes' } })).keyPath).toBe('imap.allow_plaintext_auth');
    expect(errorOf(() => configFromObject({ quota: { default: '2 gigs' } })).message).toContain('quota.default: not a size');
    expect(errorOf(() => configFromObject({ server: { domain: 'not a domain' } })).keyPath).toBe('server.domain');
    expect(errorOf(() => configFromObject({ dkim: { selector: 's1' } })).message).toContain('selector and private_key go together');
  });

  it('lists extra domains after the primary one', () => {
    const config = configFromObject({ server: { domain: 'cantho.gov.vn', domains: ['CanTho.gov.vn', 'ubnd.cantho.gov.vn'] } });
    expect(config.localDomains).toEqual(['cantho.gov.vn', 'ubnd.cantho.gov.vn']);
  });

  it('finds the file from --config, then $CANTHO_MAIL_CONFIG', () => {
    expect(locateConfigFile('x.toml', {})).toBe(path.resolve('x.toml'));
    expect(locateConfigFile(undefined, { CANTHO_MAIL_CONFIG: '/etc/cm.toml' })).toBe('/etc/cm.toml');
  });

  it('parses sizes, durations and listeners', () => {
    expect(parseSize('25MB')).toBe(26_214_400);
    expect(parseSize('512kb')).toBe(524_288);
    expect(parseSize('0')).toBe(0);
    expect(parseSize('-1')).toBeNull();
    expect(parseDuration('5d')).toBe(432_000_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5 days')).toBeNull();
    expect(parseHostPort('[::1]:143')).toEqual({ host: '::1', port: 143 });
    expect(parseHostPort('0.0.0.0:25')).toEqual({ host: '0.0.0.0', port: 25 });
    expect(parseHostPort('localhost')).toBeNull();
  });
});

describe('config safety', () => {
  it('refuses a web listener beyond loopback without an https public_url or tls_listen', () => {
    const err = errorOf(() => configFromObject({ http: { listen: '0.0.0.0:8080' } }));
    expect(err.message).toBe('(defaults): http.listen: a listener beyond loopback needs public_url = "https://…" or tls_listen (TLS in front of the sign-in form)');
    expect(configFromObject({ http: { listen: '0.0.0.0:8080', public_url: 'https://mail.cantho.gov.vn' } }).http.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(configFromObject({ http: { listen: '0.0.0.0:80', tls_listen: '0.0.0.0:443' } }).http.tls_listen).toEqual({ host: '0.0.0.0', port: 443 });
  });
});
