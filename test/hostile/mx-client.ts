import nodemailer from 'nodemailer';

export interface MxReply {
  /** The final reply code to the message (0: no reply, the connection failed). */
  readonly code: number;
  readonly text: string;
  /** From the start of the connection to the final reply. */
  readonly ms: number;
}

/**
 * Sends `raw` as it is to an MX on 127.0.0.1 with nodemailer (one connection, no TLS) and
 * returns the reply to DATA — or to MAIL/RCPT when one of those refused — never rejecting.
 */
export async function sendToMx(port: number, raw: Buffer, to: string, options: { timeoutMs?: number } = {}): Promise<MxReply> {
  const timeout = options.timeoutMs ?? 120_000;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const started = performance.now();
  try {
    const info = await transport.sendMail({ envelope: { from: 'someone@example.org', to: [to] }, raw });
    return { code: Number.parseInt(info.response, 10), text: info.response, ms: performance.now() - started };
  } catch (err) {
    const failure = err as { responseCode?: number; response?: string; message: string };
    return { code: failure.responseCode ?? 0, text: failure.response ?? failure.message, ms: performance.now() - started };
  } finally {
    transport.close();
  }
}
