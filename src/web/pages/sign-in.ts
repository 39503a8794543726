import type { LoginFailure } from '../../directory/index.js';
import { errorSummary, field, type FieldError } from '../form-fields.js';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { PATHS } from '../urls.js';

/** Why the sign-in form is shown again: a directory refusal (including 'busy'), or an empty field. */
export type SignInProblem = LoginFailure | 'missing-login' | 'missing-password';

const PROBLEMS: Readonly<Record<Exclude<SignInProblem, 'expired'>, FieldError>> = {
  'missing-login': { field: 'ten-dang-nhap', message: 'Hãy nhập tên đăng nhập.' },
  'missing-password': { field: 'mat-khau', message: 'Hãy nhập mật khẩu.' },
  'bad-credentials': { field: 'mat-khau', message: 'Tên đăng nhập hoặc mật khẩu không đúng.' },
  locked: {
    field: 'mat-khau',
    message: 'Đăng nhập tạm thời bị khóa vì nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau ít phút.',
  },
  suspended: {
    field: 'ten-dang-nhap',
    message: 'Dịch vụ thư điện tử của đơn vị bạn đang bị tạm ngừng. Liên hệ Trung tâm Công nghệ thông tin và Truyền thông.',
  },
  retired: { field: 'ten-dang-nhap', message: 'Tài khoản này không còn hoạt động.' },
  busy: { field: 'mat-khau', message: 'Có quá nhiều lần đăng nhập cùng lúc từ máy của bạn. Vui lòng đợi vài giây rồi thử lại.' },
};

/** Notices after a redirect to the sign-in page (`?thong-bao=`). */
export const SIGN_IN_NOTICES: Readonly<Record<string, string>> = {
  'het-han': 'Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
  'da-dang-xuat': 'Bạn đã đăng xuất.',
};

export interface SignInPageOptions {
  readonly domain: string;
  readonly hostname: string;
  readonly csrfToken: string;
  readonly login?: string;
  readonly problem?: Exclude<SignInProblem, 'expired'>;
  readonly notice?: string;
}

export function signInPage(options: SignInPageOptions): string {
  const errors = options.problem ? [PROBLEMS[options.problem]] : [];
  const body = html`<p class="lead">Đăng nhập bằng địa chỉ thư công vụ và mật khẩu của bạn để đổi mật khẩu và tra cứu danh bạ.</p>
${options.notice ? html`<div class="notice" role="status"><p>${options.notice}</p></div>` : ''}
${errorSummary('Chưa đăng nhập được', errors)}
<form method="post" action="${PATHS.signIn}">
  ${csrfField(options.csrfToken)}
  ${field({
    id: 'ten-dang-nhap',
    name: 'login',
    label: 'Tên đăng nhập',
    type: 'text',
    autocomplete: 'username',
    value: options.login ?? '',
    hint: html`Địa chỉ thư hoặc tên_sd, ví dụ: annv@${options.domain} hoặc annv`,
    errors,
  })}
  ${field({
    id: 'mat-khau',
    name: 'password',
    label: 'Mật khẩu',
    type: 'password',
    autocomplete: 'current-password',
    hint: html`Lần đầu đăng nhập: dùng mật khẩu được cấp, sau đó bạn sẽ đặt mật khẩu mới.`,
    errors,
  })}
  <button class="primary" type="submit">Đăng nhập</button>
</form>
<h2>Cài đặt phần mềm thư</h2>
<p>Thunderbird tự tìm cấu hình khi bạn nhập địa chỉ thư. Với phần mềm khác: nhận thư IMAP máy chủ <strong>${options.hostname}</strong> cổng 993 (SSL/TLS) hoặc 143 (STARTTLS); gửi thư SMTP cổng 465 (SSL/TLS) hoặc 587 (STARTTLS); tên đăng nhập là địa chỉ thư đầy đủ.</p>`;
  return page({ title: 'Đăng nhập', domain: options.domain, viewer: null, body, narrow: true });
}
