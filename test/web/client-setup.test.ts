import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/ports.js';
import { curl, PEOPLE, signIn, startWebHarness, type WebHarness } from './support.js';

/**
 * One-step setup over the real web listener with curl: Outlook Autodiscover (POX), the Apple
 * profile of a signed-in official, Thunderbird autoconfig with the address book. Every answer is
 * read back by Python's own parsers (xml.etree, plistlib) and must name the ports of config.
 */

const OUTLOOK_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The request Outlook sends (Microsoft's "Autodiscover for Exchange" POX request). */
function outlookRequest(address: string, schema = OUTLOOK_SCHEMA): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address}</EMailAddress>
    <AcceptableResponseSchema>${schema}</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;
}

/** Runs a Python snippet that reads stdin and prints JSON. */
function python<T>(script: string, input: string): T {
  return JSON.parse(execFileSync('python3', ['-c', script], { input, encoding: 'utf8' })) as T;
}

interface AutodiscoverAnswer {
  readonly root: string;
  readonly protocols: ReadonlyArray<Record<string, string>>;
  readonly error: Record<string, string> | null;
}

const READ_AUTODISCOVER = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
A = '{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}'
R = '{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}'
protocols = [{child.tag.replace(A, ''): child.text for child in p} for p in root.iter(A + 'Protocol')]
error = root.find(R + 'Response/' + R + 'Error')
print(json.dumps({'root': root.tag, 'protocols': protocols,
  'error': None if error is None else {child.tag.replace(R, ''): child.text for child in error}}))
`;

let h: WebHarness;
const ports = { imaps: 0, imap: 0, submissions: 0, submission: 0, ldaps: 0, ldap: 0, http: 0 };

beforeAll(async () => {
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freeLoopbackPort();
  h = await startWebHarness({
    imap: { tls_listen: `127.0.0.1:${ports.imaps}`, listen: `127.0.0.1:${ports.imap}` },
    smtp: { submissions: `127.0.0.1:${ports.submissions}`, submission: `127.0.0.1:${ports.submission}` },
    ldap: { tls_listen: `127.0.0.1:${ports.ldaps}`, listen: `127.0.0.1:${ports.ldap}` },
    http: { listen: `127.0.0.1:${ports.http}` },
  });
});

afterAll(() => h?.close());

async function autodiscover(path: string, body: string, contentType = 'text/xml'): Promise<{ status: number; type: string; answer: AutodiscoverAnswer; raw: string }> {
  const response = await curl(`${h.url}${path}`, ['--header', `Content-Type: ${contentType}`, '--data-binary', body]);
  return { status: response.status, type: response.headers['content-type'] ?? '', answer: python<AutodiscoverAnswer>(READ_AUTODISCOVER, response.body), raw: response.body };
}

describe('Outlook Autodiscover', () => {
  it('answers both spellings of the path with IMAP and SMTP from config, the address as login name', async () => {
    for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
      const { status, type, answer } = await autodiscover(path, outlookRequest('DaoTT@Cantho.gov.vn'));
      expect(status).toBe(200);
      expect(type).toBe('text/xml; charset=utf-8');
      expect(answer.root).toBe('{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover');
      expect(answer.error).toBeNull();
      const common = { Server: 'mail.cantho.gov.vn', LoginName: 'daott@cantho.gov.vn', DomainRequired: 'off', SPA: 'off', SSL: 'on', AuthRequired: 'on' };
      expect(answer.protocols).toEqual([
        { Type: 'IMAP', Port: String(ports.imaps), Encryption: 'SSL', ...common },
        { Type: 'SMTP', Port: String(ports.submissions), Encryption: 'SSL', ...common, UsePOPAuth: 'off', SMTPLast: 'off' },
      ]);
    }
  });

  it('answers an address nobody holds exactly like one that exists (no account leak)', async () => {
    const known = await autodiscover('/autodiscover/autodiscover.xml', outlookRequest('daott@cantho.gov.vn'));
    const unknown = await autodiscover('/autodiscover/autodiscover.xml', outlookRequest('khongco@cantho.gov.vn'));
    expect(unknown.raw).toBe(known.raw.replaceAll('daott@', 'khongco@'));
  });

  it('answers ErrorCode 500 for another domain, 601 for the ActiveSync schema, 600 for a broken request', async () => {
    const other = await autodiscover('/autodiscover/autodiscover.xml', outlookRequest('someone@example.com'));
    expect(other.answer.error).toMatchObject({ ErrorCode: '500', Message: 'The e-mail address cannot be found.' });
    expect(other.answer.protocols).toEqual([]);
    const mobile = await autodiscover(
      '/autodiscover/autodiscover.xml',
      outlookRequest('daott@cantho.gov.vn', 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006'),
    );
    expect(mobile.answer.error).toMatchObject({ ErrorCode: '601' });
    const broken = await autodiscover('/autodiscover/autodiscover.xml', '<Autodiscover><Request></Request></Autodiscover>', 'application/xml');
    expect(broken.answer.error).toMatchObject({ ErrorCode: '600', Message: 'Invalid Request' });
  });

  it('refuses a DOCTYPE without expanding its entities, and a body past the limit with 413', async () => {
    const withEntity = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${outlookRequest('&x;@cantho.gov.vn').replace(/^<\?xml[^>]*>/, '')}`;
    const refused = await autodiscover('/autodiscover/autodiscover.xml', withEntity);
    expect(refused.answer.error).toMatchObject({ ErrorCode: '600' });
    expect(refused.raw).not.toContain('root:');
    const big = await curl(`${h.url}/autodiscover/autodiscover.xml`, ['--header', 'Content-Type: text/xml', '--data-binary', outlookRequest(`${'a'.repeat(9000)}@cantho.gov.vn`)]);
    expect(big.status).toBe(413);
  });

  it('answers a GET naming the address in the query', async () => {
    const response = await curl(`${h.url}/autodiscover/autodiscover.xml?Email=binhlq%40cantho.gov.vn`);
    const answer = python<AutodiscoverAnswer>(READ_AUTODISCOVER, response.body);
    expect(answer.protocols.map((p) => [p.Type, p.Port, p.LoginName])).toEqual([
      ['IMAP', String(ports.imaps), 'binhlq@cantho.gov.vn'],
      ['SMTP', String(ports.submissions), 'binhlq@cantho.gov.vn'],
    ]);
  });
});

const READ_PLIST = `
import json, plistlib, sys
print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))
`;

interface Profile {
  readonly PayloadType: string;
  readonly PayloadUUID: string;
  readonly PayloadDisplayName: string;
  readonly PayloadContent: ReadonlyArray<Record<string, unknown>>;
}

describe('the Apple configuration profile', () => {
  it('is only for a signed-in official', async () => {
    const response = await curl(`${h.url}/cai-dat/iphone.mobileconfig`);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/dang-nhap');
  });

  it('parses as a plist with mail, CardDAV and LDAP payloads naming the configured ports, and no password', async () => {
    const { cookie } = await signIn(h.url, 'daott', PEOPLE.dao.password);
    const response = await curl(`${h.url}/cai-dat/iphone.mobileconfig`, ['--cookie', cookie!]);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-apple-aspen-config');
    expect(response.headers['content-disposition']).toBe('attachment; filename="thu-cong-vu-daott.mobileconfig"');
    expect(response.body).not.toContain(PEOPLE.dao.password);
    expect(response.body).not.toMatch(/Password<\/key>\s*<string>/);
    const profile = python<Profile>(READ_PLIST, response.body);
    expect(profile.PayloadType).toBe('Configuration');
    expect(profile.PayloadDisplayName).toBe('Thư điện tử công vụ — Trần Thị Đào');
    const [mail, carddav, ldap] = profile.PayloadContent;
    expect(mail).toMatchObject({
      PayloadType: 'com.apple.mail.managed',
      EmailAccountType: 'EmailTypeIMAP',
      EmailAccountName: 'Trần Thị Đào',
      EmailAddress: 'daott@cantho.gov.vn',
      IncomingMailServerHostName: 'mail.cantho.gov.vn',
      IncomingMailServerPortNumber: ports.imaps,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: 'daott@cantho.gov.vn',
      OutgoingMailServerPortNumber: ports.submissions,
      OutgoingMailServerUsername: 'daott@cantho.gov.vn',
    });
    expect(carddav).toMatchObject({
      PayloadType: 'com.apple.carddav.account',
      CardDAVHostName: '127.0.0.1',
      CardDAVPort: ports.http,
      CardDAVUseSSL: false,
      CardDAVPrincipalURL: `http://127.0.0.1:${ports.http}/.well-known/carddav`,
      CardDAVUsername: 'daott@cantho.gov.vn',
    });
    expect(ldap).toMatchObject({
      PayloadType: 'com.apple.ldap.account',
      LDAPAccountHostName: 'mail.cantho.gov.vn',
      LDAPAccountUseSSL: true,
      LDAPAccountUserName: 'daott@cantho.gov.vn',
      LDAPSearchSettings: [{ LDAPSearchSettingSearchBase: 'dc=cantho,dc=gov,dc=vn', LDAPSearchSettingScope: 'LDAPSearchSettingScopeSubtree' }],
    });
    const uuids = [profile.PayloadUUID, ...profile.PayloadContent.map((p) => p.PayloadUUID as string)];
    expect(new Set(uuids).size).toBe(4);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);

    const again = await curl(`${h.url}/cai-dat/iphone.mobileconfig`, ['--cookie', cookie!]);
    expect(again.body).toBe(response.body);
    const other = await signIn(h.url, 'binhlq', PEOPLE.binh.password);
    const binh = python<Profile>(READ_PLIST, (await curl(`${h.url}/cai-dat/iphone.mobileconfig`, ['--cookie', other.cookie!])).body);
    expect(binh.PayloadUUID).not.toBe(profile.PayloadUUID);
  });
});

describe('Thunderbird autoconfig', () => {
  it('names the configured ports and the CardDAV address book', async () => {
    const response = await curl(`${h.url}/mail/config-v1.1.xml?emailaddress=daott%40cantho.gov.vn`);
    expect(response.status).toBe(200);
    const parsed = python<{ servers: string[][]; book: Record<string, string> }>(
      `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
servers = [[s.tag, s.get('type'), s.findtext('port'), s.findtext('socketType')] for s in root.find('emailProvider') if s.tag.endswith('Server')]
book = root.find('addressBook')
print(json.dumps({'servers': servers, 'book': {'type': book.get('type'), **{c.tag: c.text for c in book}}}))
`,
      response.body,
    );
    expect(parsed.servers).toEqual([
      ['incomingServer', 'imap', String(ports.imaps), 'SSL'],
      ['incomingServer', 'imap', String(ports.imap), 'STARTTLS'],
      ['outgoingServer', 'smtp', String(ports.submissions), 'SSL'],
      ['outgoingServer', 'smtp', String(ports.submission), 'STARTTLS'],
    ]);
    expect(parsed.book).toEqual({
      type: 'carddav',
      username: '%EMAILADDRESS%',
      authentication: 'http-basic',
      serverURL: `http://127.0.0.1:${ports.http}/.well-known/carddav`,
    });
  });
});

describe('Outlook Autodiscover over HTTPS, as Outlook asks', () => {
  let secure: WebHarness;
  beforeAll(async () => {
    secure = await startWebHarness({ http: { tls_listen: '127.0.0.1:0' } });
  });
  afterAll(() => secure?.close());

  it('answers at https://autodiscover.<domain>/autodiscover/autodiscover.xml; plain HTTP is sent there with 308', async () => {
    const httpsPort = secure.server.server.port('web-tls');
    // The test server's certificate is the self-signed pair made in its data directory.
    const response = await curl(`https://autodiscover.cantho.gov.vn:${httpsPort}/autodiscover/autodiscover.xml`, [
      '--insecure',
      '--resolve', `autodiscover.cantho.gov.vn:${httpsPort}:127.0.0.1`,
      '--header', 'Content-Type: text/xml',
      '--data-binary', outlookRequest('binhlq@cantho.gov.vn'),
    ]);
    expect(response.status).toBe(200);
    const answer = python<AutodiscoverAnswer>(READ_AUTODISCOVER, response.body);
    expect(answer.protocols.map((p) => [p.Type, p.LoginName])).toEqual([
      ['IMAP', 'binhlq@cantho.gov.vn'],
      ['SMTP', 'binhlq@cantho.gov.vn'],
    ]);
    const plain = await curl(`${secure.url}/autodiscover/autodiscover.xml`, ['--header', 'Content-Type: text/xml', '--data-binary', outlookRequest('binhlq@cantho.gov.vn')]);
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://127.0.0.1:${httpsPort}/autodiscover/autodiscover.xml`);
  });
});
