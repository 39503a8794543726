import { execFile } from 'node:child_process';

export interface ProcessResult {
  readonly code: number;
  readonly output: string;
}

function run(command: string, args: readonly string[], input?: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** swaks (Debian package), the SMTP test client no one here wrote. */
export function swaks(args: readonly string[]): Promise<ProcessResult> {
  return run('swaks', ['--hide-informational', '--timeout', '20', ...args]);
}

/** A Python 3 program using smtplib; it prints what the test asserts. */
export function python(program: string): Promise<ProcessResult> {
  return run('python3', ['-'], program);
}
