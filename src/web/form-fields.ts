import { html, type SafeHtml } from './html.js';

/**
 * Form fields with their label, hint and error tied together (WCAG 1.3.1, 3.3.1): the input names
 * its hint and error in aria-describedby, is marked aria-invalid, and the error summary at the
 * top of the form links to it.
 */

export interface FieldError {
  /** The id of the input the error belongs to. */
  readonly field: string;
  readonly message: string;
}

export interface FieldOptions {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly type: 'text' | 'password' | 'search';
  readonly autocomplete: string;
  readonly value?: string;
  readonly hint?: SafeHtml;
  readonly errors: readonly FieldError[];
  readonly required?: boolean;
}

export function field(options: FieldOptions): SafeHtml {
  const error = options.errors.find((e) => e.field === options.id);
  const hintId = options.hint ? `${options.id}-goi-y` : null;
  const errorId = error ? `${options.id}-loi` : null;
  const describedBy = [hintId, errorId].filter((id) => id !== null).join(' ');
  // Focus goes to the first field in error, so a keyboard or screen-reader user starts there.
  const isFirstError = error !== undefined && options.errors[0] === error;
  return html`<div class="field">
  <label for="${options.id}">${options.label}</label>
  ${options.hint ? html`<div class="hint" id="${hintId}">${options.hint}</div>` : ''}
  ${error ? html`<p class="field-error" id="${errorId}"><span class="visually-hidden">Lỗi: </span>${error.message}</p>` : ''}
  <input type="${options.type}" id="${options.id}" name="${options.name}" autocomplete="${options.autocomplete}"${
    options.value !== undefined ? html` value="${options.value}"` : ''
  }${options.required === false ? '' : html` required`}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${
    error ? html` aria-invalid="true"` : ''
  }${isFirstError ? html` autofocus` : ''}${options.type === 'text' || options.type === 'search' ? html` spellcheck="false" autocapitalize="none"` : ''}>
</div>`;
}

/** Listed before the form, linked to each field; role="alert" so it is announced on arrival. */
export function errorSummary(title: string, errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="tom-tat-loi">
  <h2 id="tom-tat-loi">${title}</h2>
  <ul>
    ${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}
  </ul>
</div>`;
}
