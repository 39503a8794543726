import nodemailer from 'nodemailer';

export interface SendReply {
  /** The final reply code to the message (0: no reply, the connection failed). */
  readonly code: number;
  readonly text: string;
  /** From the start of the connection to the final reply. */
  readonly ms: number;
}

/**
 * Sends `raw` as it is with nodemailer (one connection) to 127.0.0.1 and returns the reply to DATA
 * — or to MAIL/RCPT when one of those refused — never rejecting. Without `login`: to an MX, no
 * TLS, from someone@example.org. With `login`: to submission, STARTTLS (self-signed certificate
 * accepted) and AUTH, from the login's own address.
 */
export async function sendRaw(
  port: number,
  raw: Buffer,
  to: string,
  options: { timeoutMs?: number; login?: { readonly address: string; readonly password: string } } = {},
): Promise<SendReply> {
  const timeout = options.timeoutMs ?? 120_000;
  const login = options.login;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ...(login
      ? { requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: login.address, pass: login.password } }
      : { ignoreTLS: true }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const started = performance.now();
  try {
    const info = await transport.sendMail({ envelope: { from: login?.address ?? 'someone@example.org', to: [to] }, raw });
    return { code: Number.parseInt(info.response, 10), text: info.response, ms: performance.now() - started };
  } catch (err) {
    const failure = err as { responseCode?: number; response?: string; message: string };
    return { code: failure.responseCode ?? 0, text: failure.response ?? failure.message, ms: performance.now() - started };
  } finally {
    transport.close();
  }
}
