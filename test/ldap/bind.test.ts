import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_DOC, type TestServer } from '../helpers/server.js';
import { ldapTool } from './ldap-utils.js';

/**
 * Simple bind (RFC 4511 §4.2, RFC 4513 §5.1) as the city's other systems use it for single
 * sign-on: Debian's ldapwhoami (WhoAmI, RFC 4532) with an official's DN or address, the same
 * password check, throttle and audit as IMAP.
 */
const BASE = 'dc=cantho,dc=gov,dc=vn';
const PASSWORD = 'Mật-khẩu-thử-1234';
const request = { actor: 'cli:test', doc: TEST_DOC };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false }, config: { policy: { login_failures_before_delay: 3, login_failures_before_lock: 3 } } });
  await server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  for (const name of ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường']) await server.directory.admin.addPerson({ name, unit: 'vpubnd', password: PASSWORD }, request);
  server.directory.admin.retirePerson('cuonglv@cantho.gov.vn', request);
});
afterAll(async () => {
  await server?.close();
});

function whoami(bindAs: string, password: string, how: 'starttls' | 'ldaps' = 'starttls') {
  const target = how === 'ldaps' ? ['-H', `ldaps://127.0.0.1:${server.ports.ldaps}`] : ['-ZZ', '-H', `ldap://127.0.0.1:${server.ports.ldap}`];
  return ldapTool('ldapwhoami', ['-x', ...target, '-D', bindAs, '-w', password]);
}

describe('simple bind', () => {
  test('with the DN over StartTLS, WhoAmI names the official', async () => {
    const { code, stdout, stderr } = await whoami(`uid=annv,ou=vpubnd,${BASE}`, PASSWORD);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(`dn:uid=annv,ou=vpubnd,${BASE}`);
  });

  test('with the address over ldaps, and audited as an LDAP login', async () => {
    const { code, stdout } = await whoami('AnNV@cantho.gov.vn', PASSWORD, 'ldaps');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`dn:uid=annv,ou=vpubnd,${BASE}`);
    const logins = server.directory.queryAudit({ subject: 'annv@cantho.gov.vn' }).filter((row) => row.action === 'login.ok');
    expect(logins.length).toBeGreaterThan(0);
    expect(JSON.stringify(logins.at(-1))).toContain('ldap');
  });

  test('a wrong password, an unknown official and a retired one answer alike: invalidCredentials (49)', async () => {
    const answers = await Promise.all([
      whoami(`uid=binhtt,ou=vpubnd,${BASE}`, 'not-the-password'),
      whoami(`uid=nobody,ou=vpubnd,${BASE}`, PASSWORD),
      whoami('cuonglv@cantho.gov.vn', PASSWORD),
    ]);
    expect(answers.map((a) => a.code)).toEqual([49, 49, 49]);
    for (const a of answers) expect(a.stderr).toContain('invalid credentials');
  });

  test('a unit mailbox has no password to bind with', async () => {
    expect((await whoami(`uid=vpubnd,ou=vpubnd,${BASE}`, PASSWORD)).code).toBe(49);
  });

  test('guessing is throttled like IMAP: after the lock even the right password is refused', async () => {
    for (let i = 0; i < 3; i++) expect((await whoami(`uid=binhtt,ou=vpubnd,${BASE}`, `guess-${i}`)).code).toBe(49);
    const right = await whoami(`uid=binhtt,ou=vpubnd,${BASE}`, PASSWORD);
    expect(right.code).toBe(49);
    expect(right.stderr).toContain('too many failed attempts');
  });

  test('a name without a password (unauthenticated bind, RFC 4513 §5.1.2) is refused', async () => {
    const { code, stderr } = await ldapTool('ldapwhoami', ['-x', '-ZZ', '-H', `ldap://127.0.0.1:${server.ports.ldap}`, '-D', `uid=annv,ou=vpubnd,${BASE}`, '-w', '']);
    expect(code).toBe(53);
    expect(stderr).toContain('unauthenticated bind');
  });
});
