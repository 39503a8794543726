import { randomUUID } from 'node:crypto';

/**
 * Hostile messages (against the scanner and the parsers), shared by test/hostile and the
 * hostile bench. Each carries a fresh Message-ID: clamd caches the verdict of content it has seen,
 * and a repeated message would be answered from that cache instead of being parsed again.
 */

function head(subject: string): string {
  return `Message-ID: <${randomUUID()}@example.org>\r\nFrom: <someone@example.org>\r\nTo: <annv@cantho.gov.vn>\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n`;
}

/** A one-line message, as most mail is. */
export function ordinaryMessage(): Buffer {
  return Buffer.from(`${head('Lich hop')}Content-Type: text/plain; charset=utf-8\r\n\r\nHop luc 8 gio.\r\n`);
}

/**
 * An attachment whose part header folds `count` RFC 2231 parameter continuations (RFC 2231 §3),
 * one per line: clamd's MIME parser is quadratic in the length of a folded part header (ClamAV
 * 1.4: 16,000 → 2 s, 24,000 → 5.5 s on an idle core).
 */
export function rfc2231ContinuationsMessage(count: number): Buffer {
  const params = (name: string) => Array.from({ length: count }, (_, i) => `;\r\n ${name}*${i}*=utf-8''%54%E1%BB%87p`).join('');
  return Buffer.from(
    `${head('Ho so')}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n` +
      `Content-Type: application/octet-stream${params('name')}\r\nContent-Disposition: attachment${params('filename')}\r\n` +
      'Content-Transfer-Encoding: base64\r\n\r\nUVVKRA==\r\n--b--\r\n',
  );
}

/** A message whose base64 attachment makes it about `size` bytes, with every line below 80 bytes. */
export function attachmentMessage(subject: string, size: number): Buffer {
  const line = 'VGjGsCB04burIGPDoWMgxJHhu5NuIHbhu4sgdHLDqm4gxJHhu4thIGLDoG4gdGjDoG5oIHBo\r\n';
  const top = `${head(subject)}Content-Type: application/pdf; name="${subject}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
  return Buffer.from(top + line.repeat(Math.max(1, Math.ceil((size - top.length) / line.length))));
}

/** `depth` multiparts, each the only part of the one around it (bounded by clamd's MaxRecursion). */
export function deeplyNestedMessage(depth: number): Buffer {
  let text = `${head('Long nhau')}`;
  for (let i = 0; i < depth; i++) text += `Content-Type: multipart/mixed; boundary=n${i}\r\n\r\n--n${i}\r\n`;
  text += 'Content-Type: text/plain\r\n\r\nx\r\n';
  for (let i = depth - 1; i >= 0; i--) text += `--n${i}--\r\n`;
  return Buffer.from(text);
}

/** One multipart with `count` tiny text parts. */
export function manyPartsMessage(count: number): Buffer {
  const parts = Array.from({ length: count }, () => '--p\r\nContent-Type: text/plain\r\n\r\nx\r\n').join('');
  return Buffer.from(`${head('Nhieu phan')}Content-Type: multipart/mixed; boundary=p\r\n\r\n${parts}--p--\r\n`);
}

/** One header field folded over `lines` continuation lines. */
export function foldedHeaderMessage(lines: number): Buffer {
  return Buffer.from(`${head('Gap')}X-Folded: a${'\r\n b'.repeat(lines)}\r\nContent-Type: text/plain\r\n\r\nx\r\n`);
}
