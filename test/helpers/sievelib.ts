import { execFile } from 'node:child_process';

/**
 * Runs `program` (Python) with `c`, a python3-sievelib ManageSieve client (RFC 5804) logged in as
 * `login` over STARTTLS on `port`, and resolves to what it printed. Debian's own Python runs it:
 * the package installs into /usr/lib/python3/dist-packages.
 */
export function runSievelib(port: number, login: { readonly address: string; readonly password: string }, program: string): Promise<string> {
  const prelude = [
    'import json, sys',
    'from sievelib.managesieve import Client',
    `c = Client("127.0.0.1", ${port})`,
    `assert c.connect(${JSON.stringify(login.address)}, ${JSON.stringify(login.password)}, starttls=True, authmech="PLAIN"), c.errmsg`,
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-'], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
    child.stdin!.end(`${prelude}\n${program}\n`);
  });
}
