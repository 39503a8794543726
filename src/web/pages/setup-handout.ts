import type { ClientEndpoints } from '../../config/index.js';
import { html } from '../html.js';
import { page, type Viewer } from '../layout.js';
import { PATHS } from '../urls.js';
import { endpointText, settingsTable } from './setup-settings.js';

/**
 * The one-page handout of training sessions: the settings table and the shortest path per
 * program, laid out by the stylesheet's print rules for one A4 sheet (the banner, navigation
 * and footer are not printed). Names and ports from config, like the guide.
 */
export function setupHandoutPage(options: { readonly domain: string; readonly viewer: Viewer | null; readonly endpoints: ClientEndpoints }): string {
  const { endpoints, domain } = options;
  const example = `tên_sd@${domain}`;
  const body = html`<p class="lead">Hộp thư công vụ <strong>@${domain}</strong>: tên đăng nhập là địa chỉ thư đầy đủ (ví dụ ${example}), mật khẩu là mật khẩu thư điện tử. Hướng dẫn chi tiết: ${endpoints.web}${PATHS.setupGuide}</p>
${settingsTable(endpoints, example)}
<div class="handout-grid">
<section aria-labelledby="in-outlook"><h2 id="in-outlook">Outlook</h2>
<ol><li>Tệp → Thêm tài khoản.</li><li>Nhập địa chỉ thư → Kết nối; Outlook tự tìm thông số.</li><li>Chọn IMAP nếu được hỏi, nhập mật khẩu.</li></ol></section>
<section aria-labelledby="in-thunderbird"><h2 id="in-thunderbird">Thunderbird</h2>
<ol><li>Tài khoản mới → Thư điện tử.</li><li>Nhập họ tên, địa chỉ, mật khẩu → Tiếp tục.</li><li>Bấm Xong; nhận sổ địa chỉ của thành phố khi được đề nghị.</li></ol></section>
<section aria-labelledby="in-iphone"><h2 id="in-iphone">iPhone, iPad</h2>
<ol><li>Safari: đăng nhập ${endpoints.web}${PATHS.signIn}.</li><li>Cài đặt thư điện tử → Tải hồ sơ cấu hình → Cho phép.</li><li>Cài đặt → Đã tải về hồ sơ → Cài đặt, nhập mật khẩu.</li></ol></section>
<section aria-labelledby="in-android"><h2 id="in-android">Android</h2>
<ol><li>Gmail: Thêm tài khoản khác → Khác → Cá nhân (IMAP).</li><li>Thư đến ${endpointText(endpoints.imap[0])}.</li><li>Thư đi ${endpointText(endpoints.submission[0])}. Danh bạ: ứng dụng DAVx⁵.</li></ol></section>
</div>
<section aria-labelledby="in-an-toan"><h2 id="in-an-toan">Giữ an toàn hộp thư</h2>
<ul><li>Không đưa mật khẩu cho ai, kể cả người xưng là cán bộ kỹ thuật; đổi mật khẩu tại ${endpoints.web}${PATHS.changePassword}.</li><li>Cần hỗ trợ: postmaster@${domain}.</li></ul></section>`;
  return page({ title: 'Hướng dẫn nhanh: cài đặt thư điện tử công vụ', domain, viewer: options.viewer, body, handout: true });
}
