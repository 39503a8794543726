import { randomUUID } from 'node:crypto';
import type { PendingDsn } from '../store/index.js';
import { headerBlockEnd } from './headers.js';
import { rfc5322Date } from './trace.js';

/**
 * A delivery status notification (RFC 3464) for the recipients of one queued message that failed
 * for good or expired: multipart/report (RFC 6522) with a human-readable part in Vietnamese and
 * English, the machine-readable message/delivery-status, and the original headers.
 */
export function buildDsn(dsn: PendingDsn, original: Buffer | null, hostname: string, domain: string, now: Date): Buffer {
  const boundary = `dsn-${randomUUID()}`;
  const human = [
    'Thư của bạn không gửi được đến những người nhận sau / Your message could not be delivered to:',
    '',
    ...dsn.failures.map((f) => `  <${f.address}>: ${f.state === 'expired' ? 'quá hạn gửi / delivery time expired' : 'bị từ chối / refused'} — ${f.error}`),
    '',
    `Máy chủ ${hostname} đã ngừng thử gửi. / ${hostname} has stopped trying.`,
  ];
  const perMessage = [`Reporting-MTA: dns; ${hostname}`, `Arrival-Date: ${rfc5322Date(dsn.createdAt)}`];
  const perRecipient = dsn.failures.map((f) => {
    const remote = /^[245]\d\d[ -]/.test(f.error);
    return [
      `Final-Recipient: rfc822; ${f.address}`,
      'Action: failed',
      `Status: ${statusOf(f.error, f.state)}`,
      ...(remote ? [`Diagnostic-Code: smtp; ${oneLine(f.error)}`] : []),
      `Last-Attempt-Date: ${rfc5322Date(now)}`,
    ].join('\r\n');
  });
  const originalHeaders = original ? original.subarray(0, headerBlockEnd(original)).toString('utf8') : '';
  const text = [
    `From: Mail Delivery System <mailer-daemon@${domain}>`,
    `To: <${dsn.sender}>`,
    'Subject: =?UTF-8?Q?Th=C6=B0_kh=C3=B4ng_g=E1=BB=ADi_=C4=91=C6=B0=E1=BB=A3c?= / Undelivered Mail Returned to Sender',
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${randomUUID()}@${hostname}>`,
    // RFC 3834 §5: an automatic reply; clients and autoresponders must not answer it.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    originalHeaders.replace(/\r\n$/, ''),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(text.join('\r\n'), 'utf8');
}

/** RFC 3463 status: the remote server's enhanced code when it gave one, else a generic one. */
function statusOf(error: string, state: 'failed' | 'expired'): string {
  // RFC 3463 X.4.7: delivery time expired (class 4: the failures before it were all transient).
  if (state === 'expired') return '4.4.7';
  return /\b(5\.\d{1,3}\.\d{1,3})\b/.exec(error)?.[1] ?? '5.0.0';
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}
