import { escapeHtml } from './html.js';

/**
 * An XML property list (Apple's "PropertyList-1.0" DTD), the format of a configuration profile.
 * Only the value types a profile uses; keys keep the order they are given in.
 */
export type PlistValue = string | number | boolean | readonly PlistValue[] | { readonly [key: string]: PlistValue };

function render(value: PlistValue, indent: string): string {
  const inner = `${indent}  `;
  if (typeof value === 'string') return `${indent}<string>${escapeHtml(value)}</string>\n`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError('plist: only integers are written');
    return `${indent}<integer>${value}</integer>\n`;
  }
  if (typeof value === 'boolean') return `${indent}<${value}/>\n`;
  if (Array.isArray(value)) return `${indent}<array>\n${value.map((v: PlistValue) => render(v, inner)).join('')}${indent}</array>\n`;
  const entries = Object.entries(value as { readonly [key: string]: PlistValue });
  return `${indent}<dict>\n${entries.map(([k, v]) => `${inner}<key>${escapeHtml(k)}</key>\n${render(v, inner)}`).join('')}${indent}</dict>\n`;
}

export function plistXml(root: { readonly [key: string]: PlistValue }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
${render(root, '')}</plist>
`;
}
