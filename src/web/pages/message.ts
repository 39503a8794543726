import { html } from '../html.js';
import { page, type Viewer } from '../layout.js';

/** A page that only says something: refusals (403), not found (404), errors (500). */
export function messagePage(options: {
  readonly domain: string;
  readonly viewer: Viewer | null;
  readonly title: string;
  readonly text: string;
  readonly link?: { readonly href: string; readonly label: string };
}): string {
  const body = html`<p>${options.text}</p>${options.link ? html`<p><a href="${options.link.href}">${options.link.label}</a></p>` : ''}`;
  return page({ title: options.title, domain: options.domain, viewer: options.viewer, body, narrow: true });
}
