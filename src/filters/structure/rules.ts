import { urlHost, type MessageView } from '../message-view.js';
import type { FilterContext } from '../verdict.js';

/**
 * Built-in structural rules: how a message is made, in any language. Each is a pure function of
 * the view (computed on the analysis worker) and the SMTP context, so it can run on any thread.
 * The default score is used unless the rules file's `[scores]` (an admin's choice) or `[tuned]`
 * (`spam tune`'s reviewed proposal) names the rule; see rules/compile.ts.
 */
export interface StructuralRule {
  readonly id: string;
  readonly description: string;
  readonly score: number;
  test(view: MessageView, context?: Pick<FilterContext, 'direction'>): boolean;
}

const SHORTENERS = /^(?:www\.)?(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly|is\.gd|cutt\.ly|shorturl\.at|rb\.gy|tiny\.cc|buff\.ly|s\.id|v\.gd)$/;
const EXECUTABLE = /\.(?:exe|scr|pif|com|bat|cmd|vbs|vbe|js|jse|wsf|hta|msi|jar|ps1|lnk|cpl|reg)$/i;
const DOCUMENT_THEN_OTHER = /\.(?:pdf|docx?|xlsx?|pptx?|jpe?g|png|gif|txt|rtf|zip)\.[a-z0-9]{2,4}$/i;
const MACRO_DOCUMENT = /\.(?:docm|xlsm|pptm|dotm|xltm|xlam|ppam)$/i;
/** RFC 5322 §3.3 date-time, loosely: "[day,] d mon yyyy hh:mm[:ss] zone". */
const DATE_SHAPE = /^(?:[A-Z][a-z]{2},\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|[A-Z]{1,5})?/;
/** "V1agra", "fr3e", "m-o-n-e-y": letters broken by digits or separators to dodge word rules. */
const OBFUSCATED_WORD = /\b(?:v[i1!|]a[g9]r[a@]|c[i1!|][a@]l[i1!|]s|[vV]\W?[iI1]\W?[aA@]\W?[gG]\W?[rR]\W?[aA@]|[a-z](?:[.\-_*][a-z]){4,})\b/i;

function allFiles(view: MessageView): string[] {
  return [...view.attachments.map((a) => a.name), ...view.structure.parts.map((p) => p.filename)].filter((n) => n !== '');
}

function fromDomain(view: MessageView): string {
  return view.fromAddress.slice(view.fromAddress.lastIndexOf('@') + 1);
}

function registrable(host: string): string {
  return host.split('.').slice(-2).join('.');
}

export const STRUCTURAL_RULES: readonly StructuralRule[] = [
  {
    id: 'MISSING_DATE',
    description: 'No Date: header (RFC 5322 §3.6 requires one; mail programs always write it)',
    score: 1.0,
    test: (v) => !v.headers.has('date'),
  },
  {
    id: 'MALFORMED_DATE',
    description: 'Date: header not in RFC 5322 §3.3 form',
    score: 0.8,
    test: (v) => {
      const date = v.headers.get('date')?.[0];
      return date !== undefined && !DATE_SHAPE.test(date.trim());
    },
  },
  {
    id: 'MISSING_MESSAGE_ID',
    description: 'No Message-ID: header (RFC 5322 §3.6.4: every message should have one)',
    score: 1.0,
    test: (v) => !v.headers.has('message-id'),
  },
  {
    id: 'MALFORMED_MESSAGE_ID',
    description: 'Message-ID: not of the form <left@right> (RFC 5322 §3.6.4)',
    score: 1.0,
    test: (v) => {
      const id = v.headers.get('message-id')?.[0];
      return id !== undefined && !/^<[^<>@\s]+@[^<>@\s]+>$/.test(id.trim());
    },
  },
  {
    id: 'HTML_ONLY',
    description: 'HTML with no plain-text alternative',
    score: 0.5,
    test: (v) => v.structure.htmlLength > 0 && v.structure.plainLength === 0,
  },
  {
    id: 'HTML_HIDDEN_TEXT',
    description: 'HTML hides text from the reader (display:none, tiny font, white on white)',
    score: 1.5,
    test: (v) => v.structure.hiddenText,
  },
  {
    id: 'HTML_IMAGE_ONLY',
    description: 'HTML whose content is images with almost no text (image spam)',
    score: 1.5,
    test: (v) => v.structure.images > 0 && v.text.trim().length < 200,
  },
  {
    id: 'OBFUSCATED_WORD',
    description: 'Words broken with digits or separators to dodge filters (V1agra, f.r.e.e)',
    score: 1.5,
    test: (v) => OBFUSCATED_WORD.test(v.subject) || OBFUSCATED_WORD.test(v.text.slice(0, 65_536)),
  },
  {
    id: 'URI_IP_HOST',
    description: 'Link to a numeric IP address instead of a name',
    score: 1.5,
    test: (v) => v.urls.some((u) => /^\d+\.\d+\.\d+\.\d+$/.test(urlHost(u) ?? '')),
  },
  {
    id: 'URI_SHORTENED',
    description: 'Link through a URL shortener, which hides where it leads',
    score: 1.0,
    test: (v) => v.urls.some((u) => SHORTENERS.test(urlHost(u) ?? '')),
  },
  {
    id: 'LINK_TEXT_MISMATCH',
    description: 'A link shows one web address and leads to another site',
    score: 0.5,
    test: (v) =>
      v.structure.links.some((link) => {
        const shown = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]|$)/i.exec(link.text)?.[1]?.toLowerCase();
        const target = /^https?:/i.test(link.href) ? urlHost(link.href) : null;
        return shown !== undefined && target !== null && registrable(shown) !== registrable(target);
      }),
  },
  {
    id: 'BASE64_TEXT',
    description: 'Text part sent in base64 (ordinary mail programs use quoted-printable or 8bit for text)',
    score: 0.8,
    test: (v) => v.structure.parts.some((p) => (p.type === 'text/plain' || p.type === 'text/html') && p.encoding === 'base64' && p.filename === ''),
  },
  {
    id: 'ATTACH_EXECUTABLE_FILE',
    description: 'Executable or script attachment',
    score: 4.0,
    test: (v) => allFiles(v).some((n) => EXECUTABLE.test(n)),
  },
  {
    id: 'ATTACH_DOUBLE_EXT',
    description: 'Attachment disguised with a double extension (hoa_don.pdf.exe)',
    score: 3.0,
    test: (v) => allFiles(v).some((n) => DOCUMENT_THEN_OTHER.test(n)),
  },
  {
    id: 'ATTACH_MACRO_DOCUMENT',
    description: 'Office document with macros (.docm, .xlsm, …)',
    score: 2.0,
    test: (v) => allFiles(v).some((n) => MACRO_DOCUMENT.test(n)),
  },
  {
    id: 'FROM_NAME_HAS_OTHER_ADDRESS',
    description: 'From: display name shows an e-mail address other than the real sender\u2019s',
    score: 0.5,
    test: (v) => {
      const name = v.from.slice(0, Math.max(0, v.from.lastIndexOf('<')));
      const shown = /[^\s<>"]+@([^\s<>"]+)/.exec(name)?.[1]?.toLowerCase();
      return shown !== undefined && v.fromAddress !== '' && registrable(shown) !== registrable(fromDomain(v));
    },
  },
  {
    id: 'REPLY_TO_DIFFERS',
    description: 'Reply-To: sends answers to a different domain than From:',
    score: 0.2,
    test: (v) => {
      const reply = /@([^\s<>"]+)/.exec(v.headers.get('reply-to')?.[0] ?? '')?.[1]?.toLowerCase();
      return reply !== undefined && v.fromAddress !== '' && registrable(reply) !== registrable(fromDomain(v));
    },
  },
  {
    id: 'TO_UNDISCLOSED',
    description: 'No visible recipients (To: missing, empty or "undisclosed recipients")',
    score: 0.5,
    test: (v) => /^\s*$|undisclosed|^\s*<?\s*>?\s*:?;?\s*$/i.test(v.headers.get('to')?.[0] ?? ''),
  },
];
