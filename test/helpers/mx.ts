import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

/**
 * One message to the MX listener on `port`, sent by nodemailer as another mail server would
 * (plain SMTP, no STARTTLS); the envelope is nodemailer's from the headers unless `envelope`
 * names one. Returns the server's reply to the end of DATA.
 */
export async function sendThroughMx(port: number, message: Mail.Options): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail(message)).response;
  } finally {
    transport.close();
  }
}

/**
 * One message through the submission listener on `port` as an official's mail client sends it
 * (STARTTLS required, AUTH with `who`'s address and password). Returns the server's reply to the
 * end of DATA.
 */
export async function sendThroughSubmission(port: number, who: { readonly address: string; readonly password: string }, message: Mail.Options): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: who.address, pass: who.password },
  });
  try {
    return (await transport.sendMail(message)).response;
  } finally {
    transport.close();
  }
}
