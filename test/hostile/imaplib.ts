import { spawn } from 'node:child_process';
import path from 'node:path';

/** One LOGIN for imaplib_logins.py: from which loopback address, as whom. */
export interface ImaplibLogin {
  readonly source: string;
  readonly user: string;
  readonly password: string;
}

export interface ImaplibAnswer {
  /** "OK", or imaplib's error text (the server's NO line, e.g. "b'[AUTHENTICATIONFAILED] …'"). */
  readonly answer: string;
  /** Seconds from the moment all logins were released to this answer. */
  readonly done: number;
}

const SCRIPT = path.join(import.meta.dirname, 'imaplib_logins.py');

/** Runs the logins at once, each on its own connection, with Python's imaplib; answers in input order. */
export function imaplibLogins(port: number, logins: readonly ImaplibLogin[]): Promise<ImaplibAnswer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ImaplibAnswer[]) : reject(new Error(`imaplib_logins.py exited ${code}: ${err}`))));
    child.stdin.end(JSON.stringify({ port, logins }));
  });
}
