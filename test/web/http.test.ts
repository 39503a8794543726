import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anonymousSession, csrfTokenOf, curl, PEOPLE, postPasswordChange, sessionCookieOf, signIn, startWebHarness, type WebHarness } from './support.js';

/** Web listener tests with the real curl client against the real listener on 127.0.0.1. */

const ADMIN = { actor: 'cli:test', doc: '16/QĐ-UBND' };

describe('public endpoints', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ server: { domains: ['ubnd.cantho.gov.vn'] }, http: { public_url: 'https://mail.cantho.gov.vn' } });
  });
  afterAll(() => h.close());

  const AUTOCONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="cantho.gov.vn">
    <domain>cantho.gov.vn</domain>
    <domain>ubnd.cantho.gov.vn</domain>
    <displayName>Thư điện tử công vụ cantho.gov.vn</displayName>
    <displayShortName>cantho.gov.vn</displayShortName>
${[
  ['incomingServer', 'imap', 993, 'SSL'],
  ['incomingServer', 'imap', 143, 'STARTTLS'],
  ['outgoingServer', 'smtp', 465, 'SSL'],
  ['outgoingServer', 'smtp', 587, 'STARTTLS'],
]
  .map(
    ([kind, type, port, socket]) => `    <${kind} type="${type}">
      <hostname>mail.cantho.gov.vn</hostname>
      <port>${port}</port>
      <socketType>${socket}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </${kind}>`,
  )
  .join('\n')}
  </emailProvider>
  <addressBook type="carddav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>https://mail.cantho.gov.vn/.well-known/carddav</serverURL>
  </addressBook>
</clientConfig>
`;

  it('serves Thunderbird autoconfig, with the CardDAV address book, at the well-known path and the autoconfig.<domain> path', async () => {
    for (const path of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml?emailaddress=annv%40cantho.gov.vn']) {
      const response = await curl(`${h.url}${path}`, ['--header', 'Host: autoconfig.cantho.gov.vn']);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(response.body).toBe(AUTOCONFIG);
    }
  });

  it('answers /healthz with each component; scanning switched off (the test servers) is degraded', async () => {
    const response = await curl(`${h.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const scannerOff = 'virus scanning is switched off ([clamav] enabled = false): mail is not scanned';
    expect(JSON.parse(response.body)).toEqual({
      status: 'degraded',
      reasons: [`virus scanner: ${scannerOff}`],
      components: {
        database: { status: 'ok', detail: 'reads answer' },
        'virus scanner': { status: 'degraded', detail: scannerOff },
        disk: { status: 'ok', detail: expect.stringMatching(/^[\d.]+ [GM]B free of [\d.]+ [GM]B in \//) },
        queue: { status: 'ok', detail: '0 messages waiting' },
      },
    });
  });

  it('exposes Prometheus metrics, counting web logins by result', async () => {
    await signIn(h.url, PEOPLE.dao.address, 'wrong password 123');
    await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    const response = await curl(`${h.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = response.body.split('\n');
    for (const family of [
      'cantho_connections_total counter',
      'cantho_connections_open gauge',
      'cantho_messages_accepted_total counter',
      'cantho_messages_rejected_total counter',
      'cantho_queue_length gauge',
      'cantho_filter_duration_seconds histogram',
      'cantho_logins_total counter',
    ]) {
      expect(lines).toContain(`# TYPE ${family}`);
    }
    expect(lines).toContain('cantho_queue_length 0');
    expect(response.body).toMatch(/^cantho_logins_total\{protocol="web",result="ok"\} [1-9]\d*$/m);
    expect(response.body).toMatch(/^cantho_logins_total\{protocol="web",result="bad-credentials"\} [1-9]\d*$/m);
    expect(response.body).toMatch(/^cantho_connections_total\{listener="web"\} [1-9]\d*$/m);
  });

  // This server's public_url is https (as behind the city's proxy).
  it('marks the cookie Secure with the __Host- prefix when public_url is https, and sends HSTS', async () => {
    const page = await curl(`${h.url}/dang-nhap`);
    expect(page.headers['set-cookie']).toMatch(/^__Host-cm_sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('answers an unknown path with a Vietnamese 404 page', async () => {
    const response = await curl(`${h.url}/khong-co`);
    expect(response.status).toBe(404);
    expect(response.body).toContain('<h1>Không tìm thấy trang</h1>');
  });
});

describe('sessions, cookies and CSRF', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ policy: { login_failures_before_delay: 3, login_failures_before_lock: 3 } });
  });
  afterAll(() => h.close());

  it('sets an HttpOnly, SameSite=Lax session cookie without Secure over plain HTTP', async () => {
    const page = await curl(`${h.url}/dang-nhap`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toMatch(/^cm_sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('refuses a POST without a CSRF token with 403', async () => {
    const { cookie } = await anonymousSession(h.url);
    const response = await curl(`${h.url}/dang-nhap`, [
      '--cookie', cookie,
      '--data-urlencode', `login=${PEOPLE.dao.address}`,
      '--data-urlencode', `password=${PEOPLE.dao.password}`,
    ]);
    expect(response.status).toBe(403);
    expect(response.body).toContain('<h1>Yêu cầu bị từ chối</h1>');
    expect(sessionCookieOf(response)).toBeNull();
  });

  it('refuses a forged token, and the token of another session, with 403', async () => {
    const mine = await anonymousSession(h.url);
    const theirs = await anonymousSession(h.url);
    for (const token of [mine.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), theirs.token, '']) {
      const response = await curl(`${h.url}/dang-nhap`, [
        '--cookie', mine.cookie,
        '--data-urlencode', `_csrf=${token}`,
        '--data-urlencode', `login=${PEOPLE.dao.address}`,
        '--data-urlencode', `password=${PEOPLE.dao.password}`,
      ]);
      expect(response.status).toBe(403);
    }
  });

  it('refuses a POST with a token but no session cookie with 403', async () => {
    const { token } = await anonymousSession(h.url);
    const response = await curl(`${h.url}/dang-nhap`, ['--data-urlencode', `_csrf=${token}`, '--data-urlencode', 'login=x', '--data-urlencode', 'password=y']);
    expect(response.status).toBe(403);
  });

  it('protects sign-out and password change with the token too', async () => {
    const { cookie } = await signIn(h.url, PEOPLE.binh.address, PEOPLE.binh.password);
    expect((await curl(`${h.url}/dang-xuat`, ['--cookie', cookie!, '--data', 'x=1'])).status).toBe(403);
    const change = await curl(`${h.url}/doi-mat-khau`, ['--cookie', cookie!, '--data', 'current=a&new=b&confirm=b']);
    expect(change.status).toBe(403);
    // Still signed in: the forged sign-out did nothing.
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!])).status).toBe(200);
  });

  it('gives a new session id at sign-in: a planted id is not signed in (session fixation)', async () => {
    const planted = await anonymousSession(h.url);
    const response = await curl(`${h.url}/dang-nhap`, [
      '--cookie', planted.cookie,
      '--data-urlencode', `_csrf=${planted.token}`,
      '--data-urlencode', `login=${PEOPLE.dao.address}`,
      '--data-urlencode', `password=${PEOPLE.dao.password}`,
    ]);
    expect(response.status).toBe(303);
    expect(response.headers['location']).toBe('/tra-cuu');
    const fresh = sessionCookieOf(response);
    expect(fresh).not.toBeNull();
    expect(fresh).not.toBe(planted.cookie);
    // The attacker's copy of the old id opens nothing…
    const attacker = await curl(`${h.url}/tra-cuu`, ['--cookie', planted.cookie]);
    expect(attacker.status).toBe(303);
    expect(attacker.headers['location']).toBe('/dang-nhap');
    // …while the official's new one does.
    const official = await curl(`${h.url}/tra-cuu`, ['--cookie', fresh!]);
    expect(official.status).toBe(200);
    expect(official.body).toContain('Xin chào, Trần Thị Đào');
  });

  it('signs out: the session ends and its cookie is cleared', async () => {
    const { cookie } = await signIn(h.url, PEOPLE.binh.address, PEOPLE.binh.password);
    const page = await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!]);
    const out = await curl(`${h.url}/dang-xuat`, ['--cookie', cookie!, '--data-urlencode', `_csrf=${csrfTokenOf(page.body)}`]);
    expect(out.status).toBe(303);
    expect(out.headers['location']).toBe('/dang-nhap?thong-bao=da-dang-xuat');
    expect(out.headers['set-cookie']).toBe('cm_sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!])).status).toBe(303);
  });

  it('refuses a wrong password with the same message as an unknown login', async () => {
    for (const [login, password] of [
      [PEOPLE.binh.address, 'not his password'],
      ['nobody@cantho.gov.vn', 'whatever-it-is'],
    ] as const) {
      const { response, cookie } = await signIn(h.url, login, password);
      expect(response.status).toBe(403);
      expect(cookie).toBeNull();
      expect(response.body).toContain('Tên đăng nhập hoặc mật khẩu không đúng.');
      expect(response.body).toContain('aria-invalid="true"');
    }
  });

  it('asks for what is missing, and refuses bodies that are not a small form', async () => {
    const { response } = await signIn(h.url, PEOPLE.binh.address, '');
    expect(response.status).toBe(400);
    expect(response.body).toContain('Hãy nhập mật khẩu.');
    const { cookie, token } = await anonymousSession(h.url);
    const json = await curl(`${h.url}/dang-nhap`, ['--cookie', cookie, '--header', 'Content-Type: application/json', '--data', `{"_csrf":"${token}"}`]);
    expect(json.status).toBe(415);
    expect(json.body).toContain('<h1>Yêu cầu không hợp lệ</h1>');
    const huge = await curl(`${h.url}/dang-nhap`, ['--cookie', cookie, '--data', `_csrf=${token}&login=${'a'.repeat(20_000)}`]);
    expect(huge.status).toBe(413);
  });

  // The directory answers a locked login after its longest delay (8 s in production), which the page honours.
  it('locks an account after repeated failures, even for the right password, with 429', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn(h.url, 'annv', `guess number ${i}`)).response.status).toBe(403);
    const locked = await signIn(h.url, 'annv', PEOPLE.an.initial);
    expect(locked.response.status).toBe(429);
    expect(locked.response.body).toContain('Đăng nhập tạm thời bị khóa vì nhập sai mật khẩu nhiều lần.');
    expect(locked.cookie).toBeNull();
    const audit = h.directory.queryAudit({ subject: PEOPLE.an.address }).map((r) => r.action);
    expect(audit).toContain('login.lock');
  });
});

describe('the web follows the directory', () => {
  let h: WebHarness;
  afterEach(() => h.close());

  it('an admin password reset ends the person’s open web session at once', async () => {
    h = await startWebHarness();
    const { cookie } = await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!])).status).toBe(200);
    await h.directory.admin.resetPassword(PEOPLE.dao.address, 'Moi-cap-lai-2026-q', ADMIN);
    const after = await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!]);
    expect(after.status).toBe(303);
    expect(after.headers['location']).toBe('/dang-nhap');
  });

  it('finds a colleague added while the server runs, and forgets a retired one', async () => {
    h = await startWebHarness();
    const { cookie } = await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    const search = (q: string) => curl(`${h.url}/tra-cuu?q=${encodeURIComponent(q)}`, ['--cookie', cookie!]);
    expect((await search('pham thu')).body).toContain('Không tìm thấy ai khớp với “pham thu”.');
    await h.directory.admin.addPerson({ name: 'Phạm Thị Thu', unit: 'sotttt', password: 'Tam-thoi-2026-abc' }, ADMIN);
    expect((await search('pham thu')).body).toContain('<th scope="row">Phạm Thị Thu</th>');
    expect((await search('le quang binh')).body).toContain('<th scope="row">Lê Quang Bình</th>');
    h.directory.admin.retirePerson(PEOPLE.binh.address, ADMIN);
    expect((await search('le quang binh')).body).toContain('Không tìm thấy ai khớp');
  });

  it('a suspended unit’s member can neither sign in nor stay signed in', async () => {
    h = await startWebHarness();
    const { cookie } = await signIn(h.url, PEOPLE.binh.address, PEOPLE.binh.password);
    h.directory.admin.suspendUnit('vpubnd', 'vi phạm nghiêm trọng Điều 10', ADMIN);
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!])).status).toBe(303);
    const again = await signIn(h.url, PEOPLE.binh.address, PEOPLE.binh.password);
    expect(again.response.status).toBe(403);
    expect(again.response.body).toContain('Dịch vụ thư điện tử của đơn vị bạn đang bị tạm ngừng.');
    expect(again.cookie).toBeNull();
    // Another unit is not affected.
    expect((await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password)).response.status).toBe(303);
  });

  it('ends an idle session: pages send to sign-in with a notice, forms are refused', async () => {
    // The server's clock moves past session_idle: no wait, and no race with a slow request.
    let skewMs = 0;
    const idle = () => (skewMs += 31 * 60_000);
    h = await startWebHarness({ http: { session_idle: '30m' } }, { clock: () => new Date(Date.now() + skewMs) });
    const { cookie } = await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    const page = await curl(`${h.url}/doi-mat-khau`, ['--cookie', cookie!]);
    expect(page.status).toBe(200);
    idle();
    const post = await postPasswordChange(h.url, cookie!, csrfTokenOf(page.body), PEOPLE.dao.password, 'Mot-mat-khau-moi-hay');
    expect(post.status).toBe(403);
    expect(post.body).toContain('<h1>Phiên làm việc đã hết hạn</h1>');
    const { cookie: second } = await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    idle();
    const expired = await curl(`${h.url}/tra-cuu`, ['--cookie', second!]);
    expect(expired.status).toBe(303);
    expect(expired.headers['location']).toBe('/dang-nhap?thong-bao=het-han');
    const signInPage = await curl(`${h.url}${expired.headers['location']}`);
    expect(signInPage.body).toContain('Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.');
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const ipsOfFailures = () =>
      h.directory
        .queryAudit({ subject: PEOPLE.dao.address })
        .filter((row) => row.action === 'login.fail')
        .map((row) => (row.detail as { ip: string }).ip);
    const attempt = async () => {
      const { cookie, token } = await anonymousSession(h.url);
      await curl(`${h.url}/dang-nhap`, [
        '--cookie', cookie,
        '--header', 'X-Forwarded-For: 203.0.113.9',
        '--data-urlencode', `_csrf=${token}`,
        '--data-urlencode', `login=${PEOPLE.dao.address}`,
        '--data-urlencode', 'password=not-her-password',
      ]);
    };
    h = await startWebHarness();
    await attempt();
    expect(ipsOfFailures()).toEqual(['127.0.0.1']);
    await h.close();
    h = await startWebHarness({ http: { trusted_proxies: ['127.0.0.1'] } });
    await attempt();
    expect(ipsOfFailures()).toEqual(['203.0.113.9']);
  });
});

describe('forced password change and vCard with curl', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(() => h.close());

  it('lets the given password open only the change page, then the new one opens everything', async () => {
    const { response, cookie } = await signIn(h.url, 'annv', PEOPLE.an.initial);
    expect(response.status).toBe(303);
    expect(response.headers['location']).toBe('/doi-mat-khau');
    for (const path of ['/tra-cuu?q=dao', '/danh-ba.vcf', '/']) {
      const refused = await curl(`${h.url}${path}`, ['--cookie', cookie!]);
      expect(refused.status).toBe(303);
      expect(refused.headers['location']).toBe('/doi-mat-khau');
    }
    const page = await curl(`${h.url}/doi-mat-khau`, ['--cookie', cookie!]);
    expect(page.body).toContain('Bạn cần đặt mật khẩu mới trước khi dùng thư điện tử.');
    const changed = await postPasswordChange(h.url, cookie!, csrfTokenOf(page.body), PEOPLE.an.initial, 'Ben Ninh Kieu 2026');
    expect(changed.status).toBe(303);
    expect(changed.headers['location']).toBe('/tra-cuu?thong-bao=da-doi-mat-khau');
    const rotated = sessionCookieOf(changed);
    expect(rotated).not.toBe(cookie);
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', cookie!])).status).toBe(303);
    expect((await curl(`${h.url}/tra-cuu`, ['--cookie', rotated!])).status).toBe(200);
    const verified = await h.directory.verifyLogin('annv', 'Ben Ninh Kieu 2026', { protocol: 'imap', ip: '127.0.0.1' });
    expect(verified.ok).toBe(true);
  });

  it('downloads the whole directory and one unit as vCard 4.0', async () => {
    const { cookie } = await signIn(h.url, PEOPLE.dao.address, PEOPLE.dao.password);
    const all = await curl(`${h.url}/danh-ba.vcf`, ['--cookie', cookie!]);
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('text/vcard; charset=utf-8');
    expect(all.headers['content-disposition']).toBe('attachment; filename="danh-ba.vcf"');
    expect(all.body.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(5);
    expect(all.body).toContain('FN:Nguyễn Văn Ân\r\nN:Nguyễn;Ân;Văn;;\r\nORG:Văn phòng UBND thành phố\r\nTITLE:Chánh Văn phòng\r\n');

    const unit = await curl(`${h.url}/danh-ba.vcf?don-vi=sotttt`, ['--cookie', cookie!]);
    expect(unit.status).toBe(200);
    expect(unit.headers['content-disposition']).toBe('attachment; filename="danh-ba-sotttt.vcf"');
    expect(unit.body.match(/^FN:.*\r$/gm)).toEqual(['FN:Sở Thông tin và Truyền thông\r', 'FN:Trần Thị Đào\r']);

    const unknown = await curl(`${h.url}/danh-ba.vcf?don-vi=khongco`, ['--cookie', cookie!]);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Danh bạ không có đơn vị “khongco”.');
  });

  it('keeps the directory from visitors who have not signed in', async () => {
    for (const path of ['/danh-ba.vcf', '/tra-cuu?q=an', '/doi-mat-khau']) {
      const response = await curl(`${h.url}${path}`);
      expect(response.status).toBe(303);
      expect(response.headers['location']).toBe('/dang-nhap');
    }
  });
});
