import { html, type SafeHtml } from './html.js';
import { PATHS } from './urls.js';

/** Who sees the page: the navigation offers the directory only once the password is settled. */
export interface Viewer {
  readonly displayName: string;
  readonly csrfToken: string;
  readonly mustChangePassword: boolean;
}

export interface PageOptions {
  /** The page's own title; also its <h1> unless the body brings one. */
  readonly title: string;
  readonly domain: string;
  readonly viewer: Viewer | null;
  readonly body: SafeHtml;
  /** Forms read better in a narrow column. */
  readonly narrow?: boolean;
  /** A handout printed on one A4 sheet (the stylesheet's print rules). */
  readonly handout?: boolean;
}

/** CSRF field of every POST form (synchronizer token, see csrf.ts). */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

function navigation(viewer: Viewer | null): SafeHtml {
  if (!viewer) return html``;
  const directory = viewer.mustChangePassword
    ? html``
    : html`<li><a href="${PATHS.search}">Tra cứu danh bạ</a></li>
        <li><a href="${PATHS.outOfOffice}">Trả lời tự động</a></li>
        <li><a href="${PATHS.mailRules}">Quy tắc lọc thư</a></li>
        <li><a href="${PATHS.unitMailbox}">Hộp thư đơn vị</a></li>`;
  return html`<nav aria-label="Chức năng">
      <ul>
        ${directory}
        <li><a href="${PATHS.changePassword}">Đổi mật khẩu</a></li>
        <li>
          <form method="post" action="${PATHS.signOut}">
            ${csrfField(viewer.csrfToken)}
            <button type="submit">Đăng xuất <span class="visually-hidden">khỏi tài khoản ${viewer.displayName}</span></button>
          </form>
        </li>
      </ul>
    </nav>`;
}

/**
 * Every page: lang="vi", a skip link, one banner, one <main> with the page's <h1>. The order in
 * the source is the focus order: skip link, navigation, then the form or the results.
 */
export function page(options: PageOptions): string {
  const signedInAs = options.viewer
    ? html`<p class="brand">Hệ thống thư điện tử công vụ <strong>Thành phố Cần Thơ</strong><span class="visually-hidden">, </span>Xin chào, ${options.viewer.displayName}</p>`
    : html`<p class="brand">Hệ thống thư điện tử công vụ <strong>Thành phố Cần Thơ</strong></p>`;
  return `<!doctype html>
${html`<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} — Thư điện tử công vụ ${options.domain}</title>
<link rel="stylesheet" href="${PATHS.stylesheet}">
</head>
<body>
<a class="skip" href="#noi-dung">Chuyển đến nội dung chính</a>
<header class="banner">
  <div class="inner">
    ${signedInAs}
    ${navigation(options.viewer)}
  </div>
</header>
<main id="noi-dung" tabindex="-1"${options.narrow ? html` class="narrow"` : options.handout ? html` class="handout"` : ''}>
<h1>${options.title}</h1>
${options.body}
</main>
<footer><p><a href="${PATHS.setupGuide}">Cài đặt thư điện tử</a> · Trung tâm Công nghệ thông tin và Truyền thông — hỗ trợ: <a href="mailto:postmaster@${options.domain}">postmaster@${options.domain}</a></p></footer>
</body>
</html>
`}`;
}
