import type { DirectoryEntry } from '../../directory/index.js';
import { html, type SafeHtml } from '../html.js';
import { page, type Viewer } from '../layout.js';
import { PATHS } from '../urls.js';

export interface SearchPageOptions {
  readonly domain: string;
  readonly viewer: Viewer;
  readonly query: string;
  /** Null before a search was made. */
  readonly results: readonly DirectoryEntry[] | null;
  readonly truncatedAt: number | null;
  /** Every unit, for the vCard download choice. */
  readonly units: readonly DirectoryEntry[];
  readonly notice?: string;
}

const localPart = (address: string): string => address.split('@')[0] ?? address;

export function unitVCardHref(unitAddress: string): string {
  return `${PATHS.vcard}?don-vi=${encodeURIComponent(localPart(unitAddress))}`;
}

function row(entry: DirectoryEntry): SafeHtml {
  const unitAddress = entry.kind === 'unit' ? entry.address : entry.unit?.address;
  const unitName = entry.kind === 'unit' ? entry.name : entry.unit?.name;
  return html`<tr>
  <th scope="row">${entry.name}${entry.kind === 'unit' ? html` <span class="kind">Đơn vị</span>` : ''}</th>
  <td>${entry.title ?? ''}</td>
  <td>${unitName ?? ''}${unitAddress ? html`<br><a href="${unitVCardHref(unitAddress)}">vCard đơn vị<span class="visually-hidden"> ${unitName ?? ''}</span></a>` : ''}</td>
  <td><a href="mailto:${entry.address}">${entry.address}</a></td>
  <td class="phone">${entry.phone ? html`<a href="tel:${entry.phone.replace(/[^0-9+]/g, '')}">${entry.phone}</a>` : ''}</td>
</tr>`;
}

function results(options: SearchPageOptions): SafeHtml {
  if (options.results === null) return html``;
  if (options.results.length === 0) {
    return html`<h2 id="ket-qua">Kết quả</h2><p role="status">Không tìm thấy ai khớp với “${options.query}”. Thử bớt một từ, hoặc tìm theo tên đơn vị.</p>`;
  }
  const count = options.truncatedAt
    ? html`Hiện ${options.results.length} kết quả đầu tiên; hãy thêm từ để thu hẹp.`
    : html`${options.results.length} kết quả cho “${options.query}”.`;
  return html`<h2 id="ket-qua">Kết quả</h2>
<p role="status">${count}</p>
<div class="table-wrap">
<table>
  <caption class="visually-hidden">Danh bạ: kết quả tìm “${options.query}”</caption>
  <thead><tr><th scope="col">Họ tên</th><th scope="col">Chức vụ</th><th scope="col">Đơn vị</th><th scope="col">Thư điện tử</th><th scope="col">Điện thoại</th></tr></thead>
  <tbody>
  ${options.results.map(row)}
  </tbody>
</table>
</div>`;
}

export function searchPage(options: SearchPageOptions): string {
  const body = html`${options.notice ? html`<div class="notice" role="status"><p>${options.notice}</p></div>` : ''}
<form method="get" action="${PATHS.search}" class="search-form" role="search">
  <div class="field">
    <label for="tu-khoa">Tìm theo họ tên, đơn vị, chức vụ hoặc địa chỉ thư</label>
    <p class="hint" id="tu-khoa-goi-y">Gõ có dấu hay không dấu đều được, ví dụ: nguyen van an</p>
    <input type="search" id="tu-khoa" name="q" value="${options.query}" aria-describedby="tu-khoa-goi-y" spellcheck="false" autocapitalize="none">
  </div>
  <button class="primary" type="submit">Tìm</button>
</form>
${results(options)}
<section class="downloads" aria-labelledby="tai-danh-ba">
  <h2 id="tai-danh-ba">Tải danh bạ (vCard)</h2>
  <p>Tệp vCard nhập được vào Thunderbird, Outlook và danh bạ điện thoại.</p>
  <form method="get" action="${PATHS.vcard}">
    <div class="field">
      <label for="don-vi">Đơn vị</label>
      <select id="don-vi" name="don-vi">
        <option value="">Toàn bộ danh bạ thành phố</option>
        ${options.units.map((u) => html`<option value="${localPart(u.address)}">${u.name}</option>`)}
      </select>
    </div>
    <button class="primary" type="submit">Tải về</button>
  </form>
</section>`;
  return page({ title: 'Tra cứu danh bạ', domain: options.domain, viewer: options.viewer, body });
}
