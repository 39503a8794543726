import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The notice templates (config/templates/*.txt): plain UTF-8 text, first line `Subject: …`, a
 * blank line, then the body; `{{name}}` placeholders. The admin edits the copies beside the config
 * file (config.paths.templates); a template missing there falls back to the one shipped with
 * cantho-mail, so a config kept in /etc works without copying every template.
 */

export type TemplateName = 'violation-warning' | 'violation-report' | 'quota-warning' | 'unit-reminder' | 'unit-digest';

/** A template that cannot be used: missing, without its Subject line, or with a placeholder nobody fills. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
}

const SHIPPED = path.resolve(import.meta.dirname, '../../config/templates');
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

export function templateFile(directory: string, name: TemplateName): string {
  const own = path.join(directory, `${name}.txt`);
  if (existsSync(own)) return own;
  const shipped = path.join(SHIPPED, `${name}.txt`);
  if (existsSync(shipped)) return shipped;
  throw new TemplateError(`template ${name}.txt not found in ${directory}`);
}

/**
 * Fills the template. Every placeholder must have a value (a typo in an edited template fails
 * loudly instead of mailing "{{ho_tn}}" to an official); values reaching the Subject lose line breaks.
 */
export function renderTemplate(directory: string, name: TemplateName, values: Readonly<Record<string, string>>): RenderedNotice {
  const file = templateFile(directory, name);
  const source = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const match = /^Subject:[ \t]*(.*)\n\n/.exec(source);
  if (!match) throw new TemplateError(`${file}: the first line must be "Subject: …" followed by a blank line`);
  const fill = (text: string, oneLine: boolean) =>
    text.replace(PLACEHOLDER, (_whole, key: string) => {
      const value = values[key];
      if (value === undefined) throw new TemplateError(`${file}: unknown placeholder {{${key}}}`);
      return oneLine ? value.replace(/\s+/g, ' ') : value;
    });
  return { subject: fill(match[1]!, true).trim(), text: fill(source.slice(match[0].length), false).replace(/\n+$/, '\n') };
}
