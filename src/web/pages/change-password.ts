import type { PasswordChangeFailure } from '../../directory/index.js';
import { MIN_PASSWORD_LENGTH } from '../../directory/index.js';
import { errorSummary, field, type FieldError } from '../form-fields.js';
import { html } from '../html.js';
import { csrfField, page, type Viewer } from '../layout.js';
import { PATHS } from '../urls.js';

/** Problems found by the page itself, before the directory is asked. */
export type FormProblem = 'missing-current' | 'missing-new' | 'mismatch';

const FORM_PROBLEMS: Readonly<Record<FormProblem, FieldError>> = {
  'missing-current': { field: 'mat-khau-hien-tai', message: 'Hãy nhập mật khẩu hiện tại.' },
  'missing-new': { field: 'mat-khau-moi', message: 'Hãy nhập mật khẩu mới.' },
  mismatch: { field: 'nhap-lai-mat-khau-moi', message: 'Hai lần nhập mật khẩu mới không giống nhau.' },
};

/** The field each refusal of the directory belongs to: the current password, or the new one. */
export function fieldOfRefusal(reason: PasswordChangeFailure): string {
  return reason === 'wrong-current' || reason === 'retired' || reason === 'suspended' || reason === 'busy' ? 'mat-khau-hien-tai' : 'mat-khau-moi';
}

export function formProblem(problem: FormProblem): FieldError {
  return FORM_PROBLEMS[problem];
}

export interface ChangePasswordPageOptions {
  readonly domain: string;
  readonly viewer: Viewer;
  readonly address: string;
  readonly errors: readonly FieldError[];
}

export function changePasswordPage(options: ChangePasswordPageOptions): string {
  const { errors } = options;
  const forced = options.viewer.mustChangePassword
    ? html`<div class="warning" role="status"><p><strong>Bạn cần đặt mật khẩu mới trước khi dùng thư điện tử.</strong> Mật khẩu được cấp chỉ dùng để đăng nhập lần đầu; phần mềm thư (Thunderbird, Outlook, điện thoại) sẽ từ chối nó cho đến khi bạn đổi.</p></div>`
    : '';
  const body = html`<p class="lead">Tài khoản: <strong>${options.address}</strong></p>
${forced}
${errorSummary('Chưa đổi được mật khẩu', errors)}
<form method="post" action="${PATHS.changePassword}">
  ${csrfField(options.viewer.csrfToken)}
  ${field({ id: 'mat-khau-hien-tai', name: 'current', label: 'Mật khẩu hiện tại', type: 'password', autocomplete: 'current-password', errors })}
  ${field({
    id: 'mat-khau-moi',
    name: 'new',
    label: 'Mật khẩu mới',
    type: 'password',
    autocomplete: 'new-password',
    hint: html`Mật khẩu mới:
      <ul class="rules">
        <li>có ít nhất ${MIN_PASSWORD_LENGTH} ký tự (nên dùng một câu dễ nhớ với cả chữ số);</li>
        <li>không chứa tên đăng nhập, họ hoặc tên của bạn;</li>
        <li>không phải mật khẩu phổ biến như 123456a@ hay matkhau123;</li>
        <li>khác mật khẩu hiện tại và mật khẩu trước đó.</li>
      </ul>`,
    errors,
  })}
  ${field({ id: 'nhap-lai-mat-khau-moi', name: 'confirm', label: 'Nhập lại mật khẩu mới', type: 'password', autocomplete: 'new-password', errors })}
  <button class="primary" type="submit">Đổi mật khẩu</button>
</form>`;
  return page({ title: 'Đổi mật khẩu', domain: options.domain, viewer: options.viewer, body, narrow: true });
}
