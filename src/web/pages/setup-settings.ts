import type { ClientEndpoint, ClientEndpoints } from '../../config/index.js';
import { html, type SafeHtml } from '../html.js';

/** What the guide and the handout share: the server's names and ports, as config gives them. */

/** The names mail programs show for the two kinds of TLS (Outlook, Thunderbird and iOS all say SSL/TLS or STARTTLS). */
export function securityName(endpoint: ClientEndpoint): string {
  return endpoint.security === 'tls' ? 'SSL/TLS' : 'STARTTLS';
}

/** "host, cổng 993 (SSL/TLS)", or a note that the service is off. */
export function endpointText(endpoint: ClientEndpoint | undefined): string {
  return endpoint ? `${endpoint.host}, cổng ${endpoint.port} (${securityName(endpoint)})` : 'không mở trên máy chủ này';
}

function rows(label: string, endpoints: readonly ClientEndpoint[]): SafeHtml {
  if (endpoints.length === 0) return html`<tr><th scope="row">${label}</th><td colspan="3">Không mở trên máy chủ này</td></tr>`;
  return html`${endpoints.map(
    (e, i) => html`<tr>
  <th scope="row">${label}${i > 0 ? ' (cách khác)' : ''}</th>
  <td>${e.host}</td>
  <td class="port">${e.port}</td>
  <td>${securityName(e)}</td>
</tr>`,
  )}`;
}

/** The table every client's instructions refer to. */
export function settingsTable(endpoints: ClientEndpoints, exampleAddress: string): SafeHtml {
  return html`<div class="table-wrap"><table class="settings">
<caption>Thông số máy chủ</caption>
<thead><tr><th scope="col">Dịch vụ</th><th scope="col">Máy chủ</th><th scope="col">Cổng</th><th scope="col">Bảo mật</th></tr></thead>
<tbody>
${rows('Thư đến (IMAP)', endpoints.imap)}
${rows('Thư đi (SMTP)', endpoints.submission)}
${rows('Danh bạ (LDAP)', endpoints.ldap)}
</tbody>
</table></div>
<ul class="facts">
  <li>Tên đăng nhập: địa chỉ thư đầy đủ, ví dụ <strong>${exampleAddress}</strong>; mật khẩu: mật khẩu thư điện tử của bạn. Thư đi cũng cần đăng nhập (xác thực) bằng chính tên và mật khẩu đó.</li>
  ${endpoints.ldap.length > 0 ? html`<li>Danh bạ LDAP: gốc tìm kiếm (base DN) <strong>${endpoints.ldapBaseDn}</strong>.</li>` : ''}
  ${endpoints.carddav !== '' ? html`<li>Danh bạ CardDAV: <strong>${endpoints.carddav}</strong>.</li>` : ''}
</ul>`;
}
