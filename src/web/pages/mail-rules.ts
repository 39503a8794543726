import type { AccountRules, MailRule, OutOfOffice } from '../../sieve/index.js';
import { errorSummary, type FieldError } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, page, type Viewer } from '../layout.js';
import { PATHS } from '../urls.js';

/**
 * "Trả lời tự động" and "Quy tắc lọc thư": two forms over the one generated Sieve script
 * (src/sieve/mail-rules.ts). A hand-written active script is shown, read-only, with why.
 */

export interface MailRulesPageOptions {
  readonly domain: string;
  readonly viewer: Viewer;
  readonly current: AccountRules;
  readonly errors: readonly FieldError[];
  readonly notice?: string;
}

function noticeOf(notice: string | undefined): SafeHtml {
  return notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : html``;
}

function handWritten(current: Extract<AccountRules, { kind: 'hand-written' }>): SafeHtml {
  return html`<div class="warning" role="status"><p>Bộ lọc đang dùng (“${current.name}”) được viết tay bằng ngôn ngữ Sieve, ví dụ bằng phần mềm thư, nên trang này chỉ hiển thị, không sửa được. Muốn dùng trang này, hãy tắt bộ lọc đó trong phần mềm thư (ManageSieve).</p></div>
<pre class="script">${current.script}</pre>`;
}

function errorOf(errors: readonly FieldError[], id: string): SafeHtml {
  const error = errors.find((e) => e.field === id);
  return error ? html`<p class="field-error" id="${id}-loi"><span class="visually-hidden">Lỗi: </span>${error.message}</p>` : html``;
}

function invalid(errors: readonly FieldError[], id: string): SafeHtml {
  return errors.some((e) => e.field === id) ? html` aria-invalid="true" aria-describedby="${id}-loi"` : html``;
}

export function outOfOfficePage(options: MailRulesPageOptions & { readonly form?: OutOfOffice }): string {
  const { current, errors } = options;
  const title = 'Trả lời tự động';
  if (current.kind === 'hand-written') return page({ title, domain: options.domain, viewer: options.viewer, body: handWritten(current) });
  const ooo = options.form ?? current.rules.outOfOffice;
  const body = html`${noticeOf(options.notice)}
<p class="lead">Khi bạn nghỉ phép hoặc đi công tác, người gửi thư cho bạn nhận một thư trả lời tự động — mỗi người gửi một lần trong 7 ngày; không trả lời thư hàng loạt, danh sách thư hay thư tự động.</p>
${errorSummary('Chưa lưu được', errors)}
<form method="post" action="${PATHS.outOfOffice}">
  ${csrfField(options.viewer.csrfToken)}
  <div class="field"><label class="inline"><input type="checkbox" id="bat" name="enabled" value="1"${ooo.enabled ? html` checked` : ''}> Bật trả lời tự động</label></div>
  <div class="field">
    <label for="tu-ngay">Từ ngày</label>
    <div class="hint" id="tu-ngay-goi-y">Để trống: bắt đầu ngay.</div>
    ${errorOf(errors, 'tu-ngay')}
    <input type="date" id="tu-ngay" name="start" value="${ooo.start ?? ''}"${invalid(errors, 'tu-ngay')}>
  </div>
  <div class="field">
    <label for="den-ngay">Đến hết ngày</label>
    <div class="hint">Để trống: cho đến khi bạn tắt.</div>
    ${errorOf(errors, 'den-ngay')}
    <input type="date" id="den-ngay" name="end" value="${ooo.end ?? ''}"${invalid(errors, 'den-ngay')}>
  </div>
  <div class="field">
    <label for="tieu-de">Tiêu đề thư trả lời</label>
    <div class="hint">Để trống: “Trả lời tự động: ” và tiêu đề thư nhận được.</div>
    ${errorOf(errors, 'tieu-de')}
    <input type="text" id="tieu-de" name="subject" maxlength="200" value="${ooo.subject}"${invalid(errors, 'tieu-de')}>
  </div>
  <div class="field">
    <label for="noi-dung-tra-loi">Nội dung thư trả lời</label>
    ${errorOf(errors, 'noi-dung-tra-loi')}
    <textarea id="noi-dung-tra-loi" name="message" rows="6" maxlength="8000"${invalid(errors, 'noi-dung-tra-loi')}>${ooo.message}</textarea>
  </div>
  <button class="primary" type="submit">Lưu</button>
</form>`;
  return page({ title, domain: options.domain, viewer: options.viewer, body });
}

const FIELD_LABELS: Readonly<Record<MailRule['field'], string>> = { from: 'Người gửi', to: 'Người nhận', subject: 'Tiêu đề' };

function describeAction(action: MailRule['action']): string {
  switch (action.kind) {
    case 'move':
      return `chuyển vào thư mục “${action.folder}”`;
    case 'mark-read':
      return 'đánh dấu đã đọc';
    case 'forward':
      return `chuyển tiếp đến ${action.address}`;
  }
}

export function mailRulesPage(options: MailRulesPageOptions & { readonly draft?: Readonly<Record<string, string>> }): string {
  const { current, errors } = options;
  const title = 'Quy tắc lọc thư';
  if (current.kind === 'hand-written') return page({ title, domain: options.domain, viewer: options.viewer, body: handWritten(current) });
  const draft = options.draft ?? {};
  const selected = (name: string, value: string, fallback: boolean) => ((draft[name] ?? '') === value || (draft[name] === undefined && fallback) ? html` selected` : '');
  const rules = current.rules.rules;
  const list =
    rules.length === 0
      ? html`<p>Chưa có quy tắc nào.</p>`
      : html`<ol class="rule-list">
    ${rules.map(
      (rule, index) => html`<li><span class="rule">Nếu ${FIELD_LABELS[rule.field].toLowerCase()} có “${rule.contains}” thì ${describeAction(rule.action)}</span>
      <form method="post" action="${PATHS.mailRulesDelete}">${csrfField(options.viewer.csrfToken)}<input type="hidden" name="index" value="${index}"><button type="submit">Xóa <span class="visually-hidden">quy tắc ${index + 1}</span></button></form></li>`,
    )}
  </ol>`;
  const body = html`${noticeOf(options.notice)}
<p class="lead">Thư đến được xử lý theo các quy tắc dưới đây ngay trên máy chủ, kể cả khi máy tính của bạn tắt. Chỉ chuyển tiếp được đến địa chỉ trong ${options.domain}.</p>
<h2>Các quy tắc đang dùng</h2>
${list}
<h2>Thêm quy tắc</h2>
${errorSummary('Chưa thêm được quy tắc', errors)}
<form method="post" action="${PATHS.mailRules}">
  ${csrfField(options.viewer.csrfToken)}
  <div class="field">
    <label for="truong">Nếu</label>
    <select id="truong" name="field">
      <option value="from"${selected('field', 'from', true)}>Người gửi</option>
      <option value="to"${selected('field', 'to', false)}>Người nhận</option>
      <option value="subject"${selected('field', 'subject', false)}>Tiêu đề</option>
    </select>
  </div>
  <div class="field">
    <label for="co-chua">có chứa</label>
    ${errorOf(errors, 'co-chua')}
    <input type="text" id="co-chua" name="contains" maxlength="200" value="${draft['contains'] ?? ''}"${invalid(errors, 'co-chua')}>
  </div>
  <div class="field">
    <label for="hanh-dong">thì</label>
    <select id="hanh-dong" name="action">
      <option value="move"${selected('action', 'move', true)}>Chuyển vào thư mục</option>
      <option value="mark-read"${selected('action', 'mark-read', false)}>Đánh dấu đã đọc</option>
      <option value="forward"${selected('action', 'forward', false)}>Chuyển tiếp đến</option>
    </select>
  </div>
  <div class="field">
    <label for="thu-muc">Thư mục</label>
    <div class="hint">Khi chọn “Chuyển vào thư mục”; thư mục chưa có sẽ được tạo.</div>
    ${errorOf(errors, 'thu-muc')}
    <input type="text" id="thu-muc" name="folder" maxlength="200" value="${draft['folder'] ?? ''}"${invalid(errors, 'thu-muc')}>
  </div>
  <div class="field">
    <label for="chuyen-den">Địa chỉ chuyển tiếp</label>
    <div class="hint">Khi chọn “Chuyển tiếp đến”; bạn vẫn giữ một bản.</div>
    ${errorOf(errors, 'chuyen-den')}
    <input type="text" id="chuyen-den" name="address" maxlength="254" value="${draft['address'] ?? ''}"${invalid(errors, 'chuyen-den')}>
  </div>
  <button class="primary" type="submit">Thêm quy tắc</button>
</form>`;
  return page({ title, domain: options.domain, viewer: options.viewer, body });
}
