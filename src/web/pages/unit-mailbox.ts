import type { UnitInboxMessage } from '../../maintenance/index.js';
import { errorSummary, type FieldError } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, page, type Viewer } from '../layout.js';
import { unitMailboxPath } from '../urls.js';

/**
 * "Hộp thư đơn vị" (Điều 9.2; docs/architecture.md "Unit mailboxes"): the recent messages of a unit
 * INBOX with their state, and, for those with the right to change it, "Giao xử lý" (pass a message
 * on with a note, as `unit assign` does) and "Đã xử lý" (mark it handled).
 */

export interface UnitMailboxPageOptions {
  readonly domain: string;
  readonly viewer: Viewer;
  readonly unit: { readonly localPart: string; readonly name: string };
  readonly messages: readonly UnitInboxMessage[];
  /** Who each assigned message went to, by UID. */
  readonly assignedTo: ReadonlyMap<number, string>;
  /** Who a message may be assigned to: members, head and delegates. */
  readonly assignees: readonly string[];
  /** Whether the viewer may assign and mark handled (RFC 4314 "w"). */
  readonly mayAct: boolean;
  readonly errors: readonly FieldError[];
  readonly notice?: string;
  /** `[units] timezone`: times as the unit's working calendar reads them. */
  readonly timeZone: string;
}

function stateOf(message: UnitInboxMessage, assignedTo: ReadonlyMap<number, string>): string {
  switch (message.state) {
    case 'unread':
      return 'Chưa đọc';
    case 'read':
      return 'Đã đọc';
    case 'assigned':
      return `Đã giao cho ${assignedTo.get(message.uid) ?? '(không rõ)'}`;
    case 'handled':
      return 'Đã xử lý';
  }
}

function actions(options: UnitMailboxPageOptions, message: UnitInboxMessage): SafeHtml {
  if (!options.mayAct || message.state === 'handled') return html``;
  const base = unitMailboxPath(options.unit.localPart);
  const id = `thu-${message.uid}`;
  return html`<form method="post" action="${base}/giao" class="assign">
      ${csrfField(options.viewer.csrfToken)}<input type="hidden" name="uid" value="${message.uid}">
      <label for="${id}-nguoi">Giao cho</label>
      <select id="${id}-nguoi" name="to">${options.assignees.map((a) => html`<option value="${a}">${a}</option>`)}</select>
      <label for="${id}-ghi-chu">Ghi chú</label>
      <input type="text" id="${id}-ghi-chu" name="note" maxlength="500" required>
      <button type="submit">Giao xử lý <span class="visually-hidden">thư “${message.subject}”</span></button>
    </form>
    <form method="post" action="${base}/da-xu-ly">
      ${csrfField(options.viewer.csrfToken)}<input type="hidden" name="uid" value="${message.uid}">
      <button type="submit">Đã xử lý <span class="visually-hidden">thư “${message.subject}”</span></button>
    </form>`;
}

export function unitMailboxPage(options: UnitMailboxPageOptions): string {
  const rows = [...options.messages].reverse();
  const date = new Intl.DateTimeFormat('vi-VN', { timeZone: options.timeZone, dateStyle: 'short', timeStyle: 'short' });
  const body = html`${options.notice ? html`<div class="notice" role="status"><p>${options.notice}</p></div>` : ''}
${errorSummary('Chưa thực hiện được', options.errors)}
<p class="lead">Hộp thư đến của ${options.unit.name}: các thư mới nhất và tình trạng xử lý (Điều 9 Quy chế sử dụng thư điện tử).</p>
${
  rows.length === 0
    ? html`<p>Hộp thư đến không có thư nào.</p>`
    : html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">Nhận lúc</th><th scope="col">Người gửi</th><th scope="col">Tiêu đề</th><th scope="col">Tình trạng</th>${options.mayAct ? html`<th scope="col">Xử lý</th>` : ''}</tr></thead>
  <tbody>${rows.map(
    (message) => html`<tr data-uid="${message.uid}"><td>${date.format(message.internalDate)}</td><td>${message.from}</td><td>${message.subject}</td><td class="state">${stateOf(message, options.assignedTo)}</td>${options.mayAct ? html`<td>${actions(options, message)}</td>` : ''}</tr>`,
  )}</tbody>
</table></div>`
}`;
  return page({ title: `Hộp thư đơn vị: ${options.unit.name}`, domain: options.domain, viewer: options.viewer, body });
}

/** The units the viewer may open, when there is more than one. */
export function unitMailboxListPage(options: { readonly domain: string; readonly viewer: Viewer; readonly units: ReadonlyArray<{ readonly localPart: string; readonly name: string }> }): string {
  const body = html`<ul>${options.units.map((unit) => html`<li><a href="${unitMailboxPath(unit.localPart)}">${unit.name}</a></li>`)}</ul>`;
  return page({ title: 'Hộp thư đơn vị', domain: options.domain, viewer: options.viewer, body });
}

