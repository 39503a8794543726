import type { ClientEndpoints } from '../../config/index.js';
import { html, type SafeHtml } from '../html.js';
import { page, type Viewer } from '../layout.js';
import { PATHS } from '../urls.js';
import { endpointText, settingsTable } from './setup-settings.js';

/**
 * "Cài đặt thư điện tử": step-by-step setup per mail program (the regulation's Điều 6.2 asks the
 * IT centre to guide officials). Public, so that an official can follow it before their first
 * sign-in; every name and port comes from config (`clientEndpoints`). A signed-in official also
 * gets the download of their Apple profile.
 */
export interface SetupGuideOptions {
  readonly domain: string;
  readonly viewer: Viewer | null;
  readonly endpoints: ClientEndpoints;
  /** The signed-in official's address (the examples then use it), else null. */
  readonly address: string | null;
}

function iphoneSection(options: SetupGuideOptions): SafeHtml {
  const download = options.address
    ? html`<p><a class="download" href="${PATHS.appleProfile}">Tải hồ sơ cấu hình cho iPhone/iPad<span class="visually-hidden"> của ${options.address}</span></a></p>`
    : html`<p class="notice-inline">Đăng nhập trang này trên iPhone/iPad để thấy nút tải hồ sơ cấu hình của bạn.</p>`;
  const { imap, submission } = options.endpoints;
  return html`<section aria-labelledby="iphone">
<h2 id="iphone">iPhone và iPad</h2>
<p>Cách nhanh nhất là cài hồ sơ cấu hình (.mobileconfig): hồ sơ cài thư, danh bạ CardDAV và danh bạ LDAP cùng lúc, và không chứa mật khẩu.</p>
<ol class="steps">
  <li>Trên iPhone/iPad, mở Safari, vào <strong>${options.endpoints.web}${PATHS.signIn}</strong> và đăng nhập.</li>
  <li>Mở trang “Cài đặt thư điện tử” này, bấm “Tải hồ sơ cấu hình cho iPhone/iPad”, rồi chọn <strong>Cho phép</strong>.</li>
  <li>Mở <strong>Cài đặt</strong> → <strong>Đã tải về hồ sơ</strong> → <strong>Cài đặt</strong>. Hồ sơ hiện “Chưa được xác minh” vì không có chữ ký số: điều đó bình thường với hồ sơ của thành phố.</li>
  <li>Nhập mật khẩu thư điện tử khi máy hỏi (cho thư và cho danh bạ).</li>
</ol>
${download}
<p>Cài tay: <strong>Cài đặt</strong> → <strong>Mail</strong> → <strong>Tài khoản</strong> → <strong>Thêm tài khoản</strong> → <strong>Khác</strong> → <strong>Thêm tài khoản Mail</strong>, chọn <strong>IMAP</strong>; máy chủ thư đến ${endpointText(imap[0])}, máy chủ thư đi ${endpointText(submission[0])}.</p>
</section>`;
}

export function setupGuidePage(options: SetupGuideOptions): string {
  const { endpoints } = options;
  const example = options.address ?? `tên_sd@${options.domain}`;
  const imap = endpoints.imap[0];
  const smtp = endpoints.submission[0];
  const ldap = endpoints.ldap[0];
  const body = html`<p class="lead">Hướng dẫn cài hộp thư công vụ <strong>@${options.domain}</strong> vào phần mềm thư trên máy tính và điện thoại. Hầu hết phần mềm tự tìm thông số khi bạn nhập địa chỉ thư; bảng dưới đây dùng khi phải nhập tay.</p>
<p><a href="${PATHS.setupHandout}">Bản in một trang (khổ A4) cho buổi tập huấn</a></p>
<nav aria-label="Các phần mềm" class="toc"><ul>
  <li><a href="#outlook">Microsoft Outlook</a></li>
  <li><a href="#thunderbird">Thunderbird</a></li>
  <li><a href="#iphone">iPhone và iPad</a></li>
  <li><a href="#android">Android</a></li>
  <li><a href="#webmail">Thư trên web</a></li>
</ul></nav>
${settingsTable(endpoints, example)}

<section aria-labelledby="outlook">
<h2 id="outlook">Microsoft Outlook</h2>
<ol class="steps">
  <li>Mở Outlook, chọn <strong>Tệp</strong> → <strong>Thêm tài khoản</strong>.</li>
  <li>Nhập địa chỉ thư (ví dụ ${example}) rồi bấm <strong>Kết nối</strong>. Outlook tự tìm thông số máy chủ (Autodiscover).</li>
  <li>Nếu Outlook hỏi loại tài khoản, chọn <strong>IMAP</strong>; nhập mật khẩu thư điện tử.</li>
  <li>Nếu Outlook không tự tìm được: chọn <strong>Tùy chọn nâng cao</strong> → <strong>Để tôi tự thiết lập tài khoản theo cách thủ công</strong> → <strong>IMAP</strong>, rồi nhập thư đến ${endpointText(imap)}; thư đi ${endpointText(smtp)}.</li>
  ${ldap ? html`<li>Danh bạ: <strong>Tệp</strong> → <strong>Cài đặt tài khoản</strong> → <strong>Sổ địa chỉ</strong> → <strong>Mới</strong> → <strong>Dịch vụ thư mục Internet (LDAP)</strong>. Máy chủ ${ldap.host}; chọn “Đăng nhập vào máy chủ này” với tên ${example} và mật khẩu thư; trong <strong>Thiết đặt khác</strong>: cổng ${ldap.port}${ldap.security === 'tls' ? ', chọn “Dùng kết nối bảo mật (SSL)”' : ''}, cơ sở tìm kiếm ${endpoints.ldapBaseDn}.</li>` : ''}
</ol>
</section>

<section aria-labelledby="thunderbird">
<h2 id="thunderbird">Thunderbird (Windows, macOS, Linux)</h2>
<ol class="steps">
  <li>Mở Thunderbird, chọn <strong>Tài khoản mới</strong> → <strong>Thư điện tử</strong>.</li>
  <li>Nhập họ tên, địa chỉ thư và mật khẩu, bấm <strong>Tiếp tục</strong>. Thunderbird tự tìm thông số: IMAP ${endpointText(imap)}; SMTP ${endpointText(smtp)}. Bấm <strong>Xong</strong>.</li>
  ${endpoints.carddav !== '' ? html`<li>Thunderbird đề nghị kết nối danh bạ: chọn sổ địa chỉ của thành phố. Cài tay: <strong>Sổ địa chỉ</strong> → <strong>Sổ địa chỉ mới</strong> → <strong>Thêm sổ địa chỉ CardDAV</strong>, tên đăng nhập ${example}, vị trí ${endpoints.carddav}.</li>` : ''}
  ${ldap ? html`<li>Hoặc danh bạ LDAP: <strong>Sổ địa chỉ</strong> → <strong>Sổ địa chỉ mới</strong> → <strong>Thêm thư mục LDAP</strong>: máy chủ ${ldap.host}, DN gốc ${endpoints.ldapBaseDn}, cổng ${ldap.port}${ldap.security === 'tls' ? ', chọn “Dùng kết nối bảo mật (SSL)”' : ''}, DN đăng nhập ${example}.</li>` : ''}
</ol>
</section>

${iphoneSection(options)}

<section aria-labelledby="android">
<h2 id="android">Android</h2>
<h3>Gmail</h3>
<ol class="steps">
  <li>Mở Gmail, bấm ảnh đại diện → <strong>Thêm tài khoản khác</strong> → <strong>Khác</strong>.</li>
  <li>Nhập địa chỉ thư, chọn <strong>Cá nhân (IMAP)</strong>, nhập mật khẩu.</li>
  <li>Máy chủ thư đến: ${endpointText(imap)}. Máy chủ thư đi: ${endpointText(smtp)}. Tên người dùng là địa chỉ thư đầy đủ ở cả hai.</li>
</ol>
<h3>Thunderbird cho Android, K-9 Mail</h3>
<ol class="steps">
  <li>Chọn <strong>Thêm tài khoản</strong>, nhập địa chỉ thư và mật khẩu: ứng dụng tự tìm thông số (như Thunderbird trên máy tính).</li>
  <li>Nếu phải nhập tay: IMAP ${endpointText(imap)}; SMTP ${endpointText(smtp)}.</li>
</ol>
${endpoints.carddav !== ''
  ? html`<h3>Danh bạ bằng DAVx⁵</h3>
<ol class="steps">
  <li>Cài DAVx⁵ (Google Play hoặc F-Droid), bấm <strong>+</strong>.</li>
  <li>Chọn <strong>Đăng nhập bằng URL và tên người dùng</strong>: URL ${endpoints.carddav}, tên người dùng ${example}, mật khẩu thư điện tử.</li>
  <li>Chọn sổ địa chỉ của thành phố để đồng bộ; danh bạ hiện trong ứng dụng Danh bạ của điện thoại.</li>
</ol>`
  : ''}
</section>

<section aria-labelledby="webmail">
<h2 id="webmail">Thư trên web</h2>
<p>Hệ thống chưa có trang đọc thư trên web (webmail). Trang này (${endpoints.web}) dùng để đổi mật khẩu, tra cứu danh bạ, đặt trả lời tự động và quy tắc lọc thư.</p>
</section>`;
  return page({ title: 'Cài đặt thư điện tử', domain: options.domain, viewer: options.viewer, body });
}
