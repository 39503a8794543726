import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DOC } from '../helpers/server.js';
import { curl, PEOPLE, signIn, startWebHarness, type CurlResult, type WebHarness } from './support.js';

/**
 * CardDAV (RFC 6352) on the web listener, with raw WebDAV requests sent by curl, shaped as the
 * RFCs' examples: discovery (RFC 6764 §5, RFC 5397, RFC 6352 §7.1.1), the address books, GET,
 * addressbook-query and addressbook-multiget (RFC 6352 §8.6, §8.7), sync-collection (RFC 6578
 * §3), and what a read-only server refuses.
 */

const DAO = `${PEOPLE.dao.address}:${PEOPLE.dao.password}`;
const CHANGE = { actor: 'cli:test', doc: TEST_DOC };

let web: WebHarness;

beforeAll(async () => {
  // Three failures lock an account (the throttle test below); the other tests fail at most once.
  web = await startWebHarness({ policy: { login_failures_before_lock: 3 } });
}, 240_000);

afterAll(async () => {
  await web?.close();
});

interface DavRequest {
  readonly body?: string;
  readonly depth?: string;
  readonly user?: string | null;
  readonly headers?: readonly string[];
}

/** One WebDAV request with curl, as dao (Basic over loopback) unless `user` says otherwise. */
function dav(method: string, target: string, request: DavRequest = {}): Promise<CurlResult> {
  const user = request.user === undefined ? DAO : request.user;
  return curl(`${web.url}${target}`, [
    '--request', method,
    ...(user === null ? [] : ['--user', user]),
    ...(request.depth === undefined ? [] : ['--header', `Depth: ${request.depth}`]),
    ...(request.headers ?? []).flatMap((h) => ['--header', h]),
    ...(request.body === undefined ? [] : ['--header', 'Content-Type: application/xml; charset=utf-8', '--data-binary', request.body]),
  ]);
}

const hrefsOf = (xml: string): string[] => [...xml.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]!);
const syncTokenOf = (xml: string): string => /<D:sync-token>([^<]*)<\/D:sync-token>/.exec(xml)![1]!;

const PROPFIND = (props: string): string =>
  `<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"><D:prop>${props}</D:prop></D:propfind>`;

const SYNC = (token: string): string =>
  `<?xml version="1.0" encoding="utf-8" ?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/><C:address-data/></D:prop></D:sync-collection>`;

describe('discovery', () => {
  it('sends /.well-known/carddav to the context path (RFC 6764 §5)', async () => {
    for (const method of ['GET', 'PROPFIND']) {
      const response = await dav(method, '/.well-known/carddav', { user: null });
      expect(response.status).toBe(301);
      expect(response.headers.location).toBe('/carddav/');
    }
  });

  it('names the signed-in official as current-user-principal, and the principal its address-book home', async () => {
    const root = await dav('PROPFIND', '/carddav/', { depth: '0', body: PROPFIND('<D:current-user-principal/>') });
    expect(root.status).toBe(207);
    expect(root.body).toContain('<D:current-user-principal><D:href>/carddav/nguoi-dung/daott/</D:href></D:current-user-principal>');

    const principal = await dav('PROPFIND', '/carddav/nguoi-dung/daott/', { depth: '0', body: PROPFIND('<C:addressbook-home-set/><D:displayname/>') });
    expect(principal.status).toBe(207);
    expect(principal.body).toContain('<C:addressbook-home-set><D:href>/carddav/danh-ba/</D:href></C:addressbook-home-set>');
    expect(principal.body).toContain('<D:displayname>Trần Thị Đào</D:displayname>');
  });

  it('lists the city book and one book per unit in the home, each an addressbook with its properties', async () => {
    const home = await dav('PROPFIND', '/carddav/danh-ba/', {
      depth: '1',
      body: PROPFIND('<D:resourcetype/><D:displayname/><D:sync-token/><CS:getctag/><C:supported-address-data/><D:getetag/>'),
    });
    expect(home.status).toBe(207);
    expect(hrefsOf(home.body)).toEqual(['/carddav/danh-ba/', '/carddav/danh-ba/thanh-pho/', '/carddav/danh-ba/don-vi-sotttt/', '/carddav/danh-ba/don-vi-vpubnd/']);
    const city = home.body.split('<D:response>').find((r) => r.includes('<D:href>/carddav/danh-ba/thanh-pho/</D:href>'))!;
    expect(city).toContain('<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>');
    expect(city).toContain('<D:displayname>Danh bạ thành phố</D:displayname>');
    expect(city).toContain('<C:supported-address-data><C:address-data-type content-type="text/vcard" version="4.0"/></C:supported-address-data>');
    expect(city).toMatch(/<D:sync-token>urn:x-cantho-mail:sync:\d+<\/D:sync-token>/);
    expect(city).toMatch(/<CS:getctag>urn:x-cantho-mail:sync:\d+<\/CS:getctag>/);
    // A collection has no ETag: asked for, it is reported missing.
    expect(city).toContain('<D:propstat><D:prop><D:getetag/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>');
    expect(home.body).toContain('<D:displayname>Văn phòng UBND thành phố</D:displayname>');
  });

  it('lists a unit book as the unit mailbox and its members only, with ETags and the vCard type', async () => {
    const book = await dav('PROPFIND', '/carddav/danh-ba/don-vi-vpubnd/', { depth: '1', body: PROPFIND('<D:getetag/><D:getcontenttype/>') });
    expect(book.status).toBe(207);
    expect(hrefsOf(book.body).sort()).toEqual([
      '/carddav/danh-ba/don-vi-vpubnd/',
      '/carddav/danh-ba/don-vi-vpubnd/annv.vcf',
      '/carddav/danh-ba/don-vi-vpubnd/binhlq.vcf',
      '/carddav/danh-ba/don-vi-vpubnd/vpubnd.vcf',
    ]);
    expect(book.body).toMatch(/<D:getetag>&quot;[0-9a-f]{32}&quot;<\/D:getetag><D:getcontenttype>text\/vcard; charset=utf-8<\/D:getcontenttype>/);
  });

  it('answers OPTIONS with the addressbook DAV class and the methods it serves (RFC 6352 §6.1)', async () => {
    const response = await dav('OPTIONS', '/carddav/danh-ba/thanh-pho/', { user: null });
    expect(response.status).toBe(200);
    expect(response.headers.dav).toBe('1, 3, addressbook');
    expect(response.headers.allow).toBe('OPTIONS, GET, HEAD, PROPFIND, REPORT');
  });
});

describe('authentication', () => {
  it('asks for Basic credentials, and refuses a wrong password', async () => {
    const anonymous = await dav('PROPFIND', '/carddav/', { depth: '0', user: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="cantho-mail CardDAV", charset="UTF-8"');
    const wrong = await dav('PROPFIND', '/carddav/', { depth: '0', user: `${PEOPLE.dao.address}:sai-mat-khau` });
    expect(wrong.status).toBe(401);
    const audited = web.directory.queryAudit({ subject: PEOPLE.dao.address }).filter((row) => (row.detail as { protocol?: string } | null)?.protocol === 'carddav');
    expect(audited.length).toBeGreaterThan(0);
  });

  it('accepts the bare tên_sd as login, and a signed-in browser session instead of Basic', async () => {
    const bare = await dav('PROPFIND', '/carddav/', { depth: '0', user: `daott:${PEOPLE.dao.password}`, body: PROPFIND('<D:current-user-principal/>') });
    expect(bare.status).toBe(207);
    const { cookie } = await signIn(web.url, PEOPLE.binh.address, PEOPLE.binh.password);
    const browser = await dav('PROPFIND', '/carddav/', { depth: '0', user: null, headers: [`Cookie: ${cookie}`], body: PROPFIND('<D:current-user-principal/>') });
    expect(browser.status).toBe(207);
    expect(browser.body).toContain('<D:href>/carddav/nguoi-dung/binhlq/</D:href>');
  });

  it('locks an official out after repeated wrong passwords, as IMAP does, even for the right one', async () => {
    await web.directory.admin.addPerson({ name: 'Lý Văn Tú', unit: 'vpubnd', password: 'Tam-thoi-2026-abc' }, CHANGE);
    for (let i = 0; i < 3; i++) expect((await dav('PROPFIND', '/carddav/', { depth: '0', user: `tulv@cantho.gov.vn:doan-thu-${i}` })).status).toBe(401);
    // The password is right, but the lock holds (DirectoryService.verifyLogin, docs/architecture.md "Login protection").
    expect((await dav('PROPFIND', '/carddav/', { depth: '0', user: 'tulv@cantho.gov.vn:Tam-thoi-2026-abc' })).status).toBe(401);
    expect(web.directory.queryAudit({ subject: 'tulv@cantho.gov.vn' }).map((r) => r.action)).toContain('login.lock');
  });

  it("refuses another official's principal with 403", async () => {
    const response = await dav('PROPFIND', '/carddav/nguoi-dung/binhlq/', { depth: '0' });
    expect(response.status).toBe(403);
  });
});

describe('cards', () => {
  it('serves one card as vCard 4.0 in UTF-8 with name, unit, title, phone and address', async () => {
    const response = await dav('GET', '/carddav/danh-ba/thanh-pho/annv.vcf');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/vcard; charset=utf-8');
    expect(response.body).toBe(
      [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'KIND:individual',
        'UID:mailto:annv@cantho.gov.vn',
        'FN:Nguyễn Văn Ân',
        'N:Nguyễn;Ân;Văn;;',
        'ORG:Văn phòng UBND thành phố',
        'TITLE:Chánh Văn phòng',
        'EMAIL;TYPE=work:annv@cantho.gov.vn',
        'TEL;TYPE=work,voice:0292 3820 123',
        'END:VCARD',
        '',
      ].join('\r\n'),
    );
    const etag = response.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await dav('GET', '/carddav/danh-ba/don-vi-vpubnd/annv.vcf', { headers: [`If-None-Match: ${etag}`] });
    expect(again.status).toBe(304);
    expect((await dav('GET', '/carddav/danh-ba/thanh-pho/nobody.vcf')).status).toBe(404);
  });
});

describe('REPORT addressbook-query (RFC 6352 §8.6)', () => {
  const query = (filter: string, extra = ''): string =>
    `<?xml version="1.0" encoding="utf-8" ?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data><C:prop name="FN"/><C:prop name="EMAIL"/></C:address-data></D:prop><C:filter test="anyof">${filter}</C:filter>${extra}</C:addressbook-query>`;

  it('finds by name without diacritics, by e-mail prefix and by exact family name', async () => {
    const byName = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      depth: '1',
      body: query('<C:prop-filter name="FN"><C:text-match collation="i;unicode-casemap" match-type="contains">nguyen van an</C:text-match></C:prop-filter>'),
    });
    expect(byName.status).toBe(207);
    expect(hrefsOf(byName.body)).toEqual(['/carddav/danh-ba/thanh-pho/annv.vcf']);
    // §10.4.2: only the properties asked for, with BEGIN, VERSION and END.
    expect(byName.body).toContain('<C:address-data>BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Nguyễn Văn Ân\r\nEMAIL;TYPE=work:annv@cantho.gov.vn\r\nEND:VCARD\r\n</C:address-data>');

    const byEmail = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      body: query('<C:prop-filter name="EMAIL"><C:text-match match-type="starts-with">DAO</C:text-match></C:prop-filter>'),
    });
    expect(hrefsOf(byEmail.body)).toEqual(['/carddav/danh-ba/thanh-pho/daott.vcf']);

    const byFamily = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      body: query('<C:prop-filter name="N"><C:text-match match-type="starts-with">le;</C:text-match></C:prop-filter>'),
    });
    expect(hrefsOf(byFamily.body)).toEqual(['/carddav/danh-ba/thanh-pho/binhlq.vcf']);

    const allOf = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      body: query('<C:prop-filter name="EMAIL" test="allof"><C:text-match match-type="equals">BinhLQ@cantho.gov.vn</C:text-match><C:text-match negate-condition="yes">annv</C:text-match></C:prop-filter>'),
    });
    expect(hrefsOf(allOf.body)).toEqual(['/carddav/danh-ba/thanh-pho/binhlq.vcf']);
  });

  it('cuts the answer at nresults with a 507 for the book (§8.6.1)', async () => {
    const response = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      body: query('<C:prop-filter name="EMAIL"><C:text-match match-type="contains">cantho</C:text-match></C:prop-filter>', '<C:limit><C:nresults>2</C:nresults></C:limit>'),
    });
    expect(response.status).toBe(207);
    expect(hrefsOf(response.body)).toHaveLength(3);
    expect(response.body).toContain('<D:response><D:href>/carddav/danh-ba/thanh-pho/</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>');
  });

  it('refuses an unknown collation with the supported-collation precondition', async () => {
    const response = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', {
      body: query('<C:prop-filter name="FN"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>'),
    });
    expect(response.status).toBe(403);
    expect(response.body).toContain('<C:supported-collation/>');
  });
});

describe('REPORT addressbook-multiget (RFC 6352 §8.7)', () => {
  it('returns the cards asked for, and 404 for an href that names none', async () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop><D:href>/carddav/danh-ba/don-vi-sotttt/daott.vcf</D:href><D:href>/carddav/danh-ba/don-vi-sotttt/nobody.vcf</D:href></C:addressbook-multiget>`;
    const response = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { depth: '1', body });
    expect(response.status).toBe(207);
    expect(response.body).toContain('FN:Trần Thị Đào');
    expect(response.body).toContain('<D:response><D:href>/carddav/danh-ba/don-vi-sotttt/nobody.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>');
  });
});

describe('REPORT sync-collection (RFC 6578 §3)', () => {
  it('returns every card first, then only the added and removed ones since the token', async () => {
    const initial = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { body: SYNC('') });
    expect(initial.status).toBe(207);
    expect(hrefsOf(initial.body).sort()).toEqual(['/carddav/danh-ba/don-vi-sotttt/daott.vcf', '/carddav/danh-ba/don-vi-sotttt/sotttt.vcf']);
    const token = syncTokenOf(initial.body);

    const unchanged = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { body: SYNC(token) });
    expect(hrefsOf(unchanged.body)).toEqual([]);
    expect(syncTokenOf(unchanged.body)).toBe(token);

    await web.directory.admin.addPerson({ name: 'Phạm Thị Hoa', unit: 'sotttt', title: 'Chuyên viên', password: 'Tam-thoi-2026-abc' }, CHANGE);
    const added = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { body: SYNC(token) });
    expect(hrefsOf(added.body)).toEqual(['/carddav/danh-ba/don-vi-sotttt/hoapt.vcf']);
    expect(added.body).toContain('FN:Phạm Thị Hoa');
    const next = syncTokenOf(added.body);
    expect(next).not.toBe(token);

    web.directory.admin.retirePerson('hoapt@cantho.gov.vn', CHANGE);
    const removed = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { body: SYNC(next) });
    expect(removed.body).toContain('<D:response><D:href>/carddav/danh-ba/don-vi-sotttt/hoapt.vcf</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>');
    // From the first token, the card came and went: only its removal is left to report.
    const both = await dav('REPORT', '/carddav/danh-ba/don-vi-sotttt/', { body: SYNC(token) });
    expect(hrefsOf(both.body)).toEqual(['/carddav/danh-ba/don-vi-sotttt/hoapt.vcf']);
    // The retired official is in no book any more.
    expect((await dav('GET', '/carddav/danh-ba/thanh-pho/hoapt.vcf')).status).toBe(404);
  });

  it('after a transfer, the city book reports the moved card alone, and every other card keeps its ETag', async () => {
    const CITY = '/carddav/danh-ba/thanh-pho/';
    const MOVED = `${CITY}binhlq.vcf`;
    const etags = async (): Promise<Map<string, string>> => {
      const listing = await dav('PROPFIND', CITY, { depth: '1', body: PROPFIND('<D:getetag/>') });
      return new Map([...listing.body.matchAll(/<D:href>([^<]*\.vcf)<\/D:href><D:propstat><D:prop><D:getetag>([^<]*)<\/D:getetag>/g)].map((m) => [m[1]!, m[2]!]));
    };
    const before = await etags();
    const token = syncTokenOf((await dav('REPORT', CITY, { body: SYNC('') })).body);
    web.directory.admin.transferPerson(PEOPLE.binh.address, 'sotttt', CHANGE);
    try {
      const changed = await dav('REPORT', CITY, { body: SYNC(token) });
      expect(hrefsOf(changed.body)).toEqual([MOVED]);
      expect(changed.body).toContain('ORG:Sở Thông tin và Truyền thông');
      const after = await etags();
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [href, etag] of before) {
        if (href === MOVED) expect(after.get(href)).not.toBe(etag);
        else expect(after.get(href)).toBe(etag);
      }
      expect(hrefsOf((await dav('PROPFIND', '/carddav/danh-ba/don-vi-sotttt/', { depth: '1', body: PROPFIND('<D:getetag/>') })).body)).toContain('/carddav/danh-ba/don-vi-sotttt/binhlq.vcf');
    } finally {
      web.directory.admin.transferPerson(PEOPLE.binh.address, 'vpubnd', CHANGE);
    }
  });

  it('refuses a token it never handed out with 403 valid-sync-token', async () => {
    for (const token of ['urn:x-cantho-mail:sync:999999999', 'http://example.com/other-server/1']) {
      const response = await dav('REPORT', '/carddav/danh-ba/thanh-pho/', { body: SYNC(token) });
      expect(response.status).toBe(403);
      expect(response.body).toContain('<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"><D:valid-sync-token/></D:error>');
    }
  });
});

describe('what a read-only server refuses', () => {
  it('answers every method that writes with 405 and the Allow list', async () => {
    for (const method of ['PUT', 'DELETE', 'MKCOL', 'PROPPATCH', 'MOVE']) {
      const response = await dav(method, '/carddav/danh-ba/thanh-pho/annv.vcf', { body: method === 'PUT' ? 'BEGIN:VCARD\r\nEND:VCARD\r\n' : undefined });
      expect(response.status, method).toBe(405);
      expect(response.headers.allow).toBe('OPTIONS, GET, HEAD, PROPFIND, REPORT');
    }
  });

  it('refuses Depth: infinity, and a PROPFIND without Depth, with propfind-finite-depth', async () => {
    for (const depth of ['infinity', undefined]) {
      const response = await dav('PROPFIND', '/carddav/danh-ba/', { ...(depth ? { depth } : {}), body: PROPFIND('<D:displayname/>') });
      expect(response.status).toBe(403);
      expect(response.body).toContain('<D:propfind-finite-depth/>');
    }
  });

  it('answers malformed XML, a DTD with entities and too deep a document with 400', async () => {
    const bodies = [
      '<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop>&e;</D:prop></D:propfind>',
      '<D:propfind xmlns:D="DAV:"><X:prop/></D:propfind>',
      `<D:propfind xmlns:D="DAV:">${'<D:x>'.repeat(200)}${'</D:x>'.repeat(200)}</D:propfind>`,
    ];
    for (const body of bodies) {
      const response = await dav('PROPFIND', '/carddav/', { depth: '0', body });
      expect(response.status, body.slice(0, 60)).toBe(400);
      expect(response.body).not.toContain('root:');
    }
  });

  it('refuses a body over the cap with 413 before reading it as XML', async () => {
    const file = path.join(web.server.dataDir, 'big.xml');
    writeFileSync(file, `<D:propfind xmlns:D="DAV:"><D:prop>${'<D:displayname/>'.repeat(80_000)}</D:prop></D:propfind>`);
    // An empty Expect header: curl sends the body at once rather than waiting for 100 Continue.
    const response = await dav('PROPFIND', '/carddav/', { depth: '0', body: `@${file}`, headers: ['Expect:'] });
    expect(response.status).toBe(413);
  });
});

describe('suspended units', () => {
  it('leaves a suspended unit, its book and its members out', async () => {
    web.directory.admin.suspendUnit('sotttt', 'Điều 10', CHANGE);
    const home = await dav('PROPFIND', '/carddav/danh-ba/', { depth: '1', body: PROPFIND('<D:displayname/>') });
    expect(hrefsOf(home.body)).not.toContain('/carddav/danh-ba/don-vi-sotttt/');
    expect((await dav('GET', '/carddav/danh-ba/thanh-pho/daott.vcf', { user: `${PEOPLE.binh.address}:${PEOPLE.binh.password}` })).status).toBe(404);
  });
});
