import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_DOC, type TestServer } from '../helpers/server.js';
import { ldapTool, parseLdif } from './ldap-utils.js';

/**
 * "All officials" through Simple Paged Results (RFC 2696) with Debian's ldapsearch
 * (`-E pr=N/noprompt`), and the size limit that stops a search without paging (§4.5.1.4).
 */
const BASE = 'dc=cantho,dc=gov,dc=vn';
const PASSWORD = 'Mật-khẩu-thử-1234';
const OFFICIALS = 10_000;
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Võ', 'Đặng', 'Bùi'];
/** A given name of letters only, one per number: 6 → "G", 1234 → "Bcde". */
const givenName = (i: number): string => {
  const word = String(i).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!);
  return word[0]!.toUpperCase() + word.slice(1);
};
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false }, config: { ldap: { size_limit: 500 } } });
  for (let u = 0; u < 10; u++) await server.addUnit(`donvi${u}`, `Đơn vị số ${u}`);
  // One roster, one transaction: 10,000 officials cost one WAL sync instead of 10,000.
  const roster = Array.from({ length: OFFICIALS }, (_, i) => ({ name: `${FAMILY[i % FAMILY.length]} Văn ${givenName(i)}`, unit: `donvi${i % 10}`, address: `cb${i}`, password: PASSWORD }));
  await server.directory.admin.addPersons(roster, { actor: 'cli:test', doc: TEST_DOC });
}, 600_000);
afterAll(async () => {
  await server?.close();
});

function search(extra: readonly string[]) {
  return ldapTool('ldapsearch', ['-x', '-ZZ', '-LLL', '-o', 'ldif-wrap=no', '-H', `ldap://127.0.0.1:${server.ports.ldap}`, '-D', 'cb1@cantho.gov.vn', '-w', PASSWORD, '-b', BASE, ...extra]);
}

describe('paged results', () => {
  test('pages through every official, 500 at a time, each once', async () => {
    const { code, stdout, stderr } = await search(['-E', 'pr=500/noprompt', '(objectClass=inetOrgPerson)', 'mail']);
    expect(code, stderr.slice(0, 500)).toBe(0);
    const mails = parseLdif(stdout).map((e) => e.attributes.mail?.[0]);
    const officials = mails.filter((m) => m?.startsWith('cb'));
    expect(officials).toHaveLength(OFFICIALS);
    expect(new Set(officials).size).toBe(OFFICIALS);
    // The ten unit mailboxes come with them.
    expect(mails).toHaveLength(OFFICIALS + 10);
  });

  test('without paging, the server caps the answer at [ldap] size_limit with sizeLimitExceeded (4)', async () => {
    const { code, stdout } = await search(['(mail=*)', 'mail']);
    expect(code).toBe(4);
    expect(parseLdif(stdout)).toHaveLength(500);
  });

  test("a folded name among ten thousand, and the client's own size limit", async () => {
    const one = await search(['(cn=dang van g)', 'cn']);
    expect(parseLdif(one.stdout)).toEqual([{ dn: `uid=cb6,ou=donvi6,${BASE}`, attributes: { cn: ['Đặng Văn G'] } }]);
    const limited = await search(['-z', '3', '(cn=*van*)', '1.1']);
    expect(limited.code).toBe(4);
    expect(parseLdif(limited.stdout)).toHaveLength(3);
  });
});
