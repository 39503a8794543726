import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_DOC, type TestServer } from '../helpers/server.js';
import { ldapTool, parseLdif } from './ldap-utils.js';

/** The directory over LDAP (RFC 4511) as Debian's ldapsearch sees it, always over StartTLS (-ZZ). */
const BASE = 'dc=cantho,dc=gov,dc=vn';
const PASSWORD = 'Mật-khẩu-thử-1234';
const request = { actor: 'cli:test', doc: TEST_DOC };
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  const admin = server.directory.admin;
  await server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  await server.addUnit('sotttt', 'Sở Thông tin và Truyền thông');
  await server.addUnit('sonv', 'Sở Nội vụ');
  await admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', title: 'Chánh Văn phòng', phone: '0292 3820 123', password: PASSWORD }, request);
  await admin.addPerson({ name: 'Trần Thị Bình', unit: 'sotttt', title: 'Giám đốc', password: PASSWORD }, request);
  await admin.addPerson({ name: 'Lê Văn Cường', unit: 'sotttt', password: PASSWORD }, request);
  await admin.addPerson({ name: 'Phạm Văn Dũng', unit: 'sotttt', password: PASSWORD }, request);
  await admin.addPerson({ name: 'Võ Thị Em', unit: 'sonv', password: PASSWORD }, request);
  admin.retirePerson('dungpv@cantho.gov.vn', request);
  admin.suspendUnit('sonv@cantho.gov.vn', 'thử nghiệm', request);
});
afterAll(async () => {
  await server?.close();
});

const url = (): string => `ldap://127.0.0.1:${server.ports.ldap}`;

async function search(filter: string, options: { base?: string; scope?: string; attributes?: string[]; bindAs?: string } = {}) {
  const bind = options.bindAs === undefined ? [] : ['-D', options.bindAs, '-w', PASSWORD];
  const run = await ldapTool('ldapsearch', ['-x', '-ZZ', '-LLL', '-o', 'ldif-wrap=no', '-H', url(), ...bind, '-b', options.base ?? BASE, '-s', options.scope ?? 'sub', filter, ...(options.attributes ?? [])]);
  return { ...run, entries: parseLdif(run.stdout) };
}

describe('ldapsearch over StartTLS, bound as an official', () => {
  const asAn = 'annv@cantho.gov.vn';

  test('finds an official by the folded name, with the attributes we hold', async () => {
    const { code, entries, stderr } = await search('(cn=*nguyen van an*)', { bindAs: asAn });
    expect(code, stderr).toBe(0);
    expect(entries).toEqual([
      {
        dn: `uid=annv,ou=vpubnd,${BASE}`,
        attributes: {
          objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
          cn: ['Nguyễn Văn An'],
          displayName: ['Nguyễn Văn An'],
          uid: ['annv'],
          sn: ['Nguyễn'],
          givenName: ['An'],
          mail: ['annv@cantho.gov.vn'],
          ou: ['Văn phòng UBND thành phố'],
          title: ['Chánh Văn phòng'],
          telephoneNumber: ['0292 3820 123'],
        },
      },
    ]);
  });

  test("Thunderbird's filter, Outlook's anr and approx match whatever the marks and case", async () => {
    const thunderbird = await search('(|(cn=*BINH*)(mail=*binh*)(sn=*binh*))', { bindAs: asAn, attributes: ['mail'] });
    expect(thunderbird.entries.map((e) => e.attributes.mail)).toEqual([['binhtt@cantho.gov.vn']]);
    const outlook = await search('(anr=tran binh)', { bindAs: asAn, attributes: ['cn'] });
    expect(outlook.entries.map((e) => e.attributes.cn)).toEqual([['Trần Thị Bình']]);
    const approx = await search('(cn~=le van cuong)', { bindAs: asAn, attributes: ['1.1'] });
    expect(approx.entries).toEqual([{ dn: `uid=cuonglv,ou=sotttt,${BASE}`, attributes: {} }]);
  });

  test('lists a unit: its mailbox and its officials in service, not the retired one', async () => {
    const { entries } = await search('(objectClass=inetOrgPerson)', { bindAs: asAn, base: `ou=sotttt,${BASE}`, scope: 'one', attributes: ['cn'] });
    expect(entries.map((e) => e.dn).sort()).toEqual([`uid=binhtt,ou=sotttt,${BASE}`, `uid=cuonglv,ou=sotttt,${BASE}`, `uid=sotttt,ou=sotttt,${BASE}`]);
    expect(entries.find((e) => e.dn.startsWith('uid=sotttt'))?.attributes.cn).toEqual(['Sở Thông tin và Truyền thông']);
  });

  test('and/not, presence, and the units one level under the base', async () => {
    const units = await search('(objectClass=organizationalUnit)', { bindAs: asAn, scope: 'one', attributes: ['ou', 'description'] });
    // A suspended unit and its members are not listed.
    expect(units.entries.map((e) => e.attributes.ou?.[0]).sort()).toEqual(['sotttt', 'vpubnd']);
    const withTitle = await search('(&(title=*)(!(ou=van phong ubnd thanh pho)))', { bindAs: asAn, attributes: ['uid'] });
    expect(withTitle.entries.map((e) => e.attributes.uid)).toEqual([['binhtt']]);
    const nobody = await search('(|(uid=dungpv)(uid=emvt)(mail=*em*))', { bindAs: asAn });
    expect(nobody.entries).toEqual([]);
  });

  test('a base that does not exist is noSuchObject (32)', async () => {
    const { code } = await search('(objectClass=*)', { bindAs: asAn, base: `ou=khong-co,${BASE}` });
    expect(code).toBe(32);
  });

  test('the root DSE names the base, the paged results control, StartTLS and WhoAmI', async () => {
    const { code, entries } = await search('(objectClass=*)', { bindAs: asAn, base: '', scope: 'base', attributes: ['+'] });
    expect(code).toBe(0);
    expect(entries[0]?.attributes).toMatchObject({
      namingContexts: [BASE],
      supportedLDAPVersion: ['3'],
      supportedControl: ['1.2.840.113556.1.4.319'],
      supportedExtension: ['1.3.6.1.4.1.1466.20037', '1.3.6.1.4.1.4203.1.11.3'],
    });
  });
});

describe('who may read', () => {
  test('anonymous bind is refused when [ldap] anonymous is off (the default)', async () => {
    const { code, stderr } = await search('(cn=*an*)');
    expect(code).toBe(53);
    expect(stderr).toContain('anonymous access is not allowed');
  });
});
