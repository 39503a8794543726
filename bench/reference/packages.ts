/**
 * Debian packages for the reference servers, installed on demand.
 *
 * Installing must not leave a second mail system running: on a machine with an init system,
 * `apt-get install postfix` would start Postfix on port 25 and `dovecot-imapd` would start
 * Dovecot on 143/993. While we install, a policy-rc.d that answers 101 ("action forbidden",
 * invoke-rc.d(8)) keeps maintainer scripts from starting any service; it is removed afterwards
 * unless it was there before (Debian's container images ship one). Postfix's debconf question is
 * preseeded to "No configuration", so the system instance stays unconfigured and unstartable;
 * Dovecot's system instance is only installed, never started. On a systemd machine the units the
 * packages enabled for the next boot are disabled again (a second IMAP server on 143 after a
 * reboot would outlive the bench). Our own instances run from their own config directories (see
 * postfix.ts, dovecot.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const LOCK_RETRIES = 30;

/** debconf answers given before installing, per package (debconf-set-selections format). */
const PRESEED: Readonly<Record<string, readonly string[]>> = {
  postfix: ['postfix postfix/main_mailer_type select No configuration'],
};

/** systemd units a package enables on installation, which we disable again. */
const SYSTEM_UNITS: Readonly<Record<string, readonly string[]>> = {
  postfix: ['postfix.service'],
  'dovecot-core': ['dovecot.service', 'dovecot.socket'],
  'dovecot-imapd': ['dovecot.service', 'dovecot.socket'],
};

export class PackageInstallError extends Error {
  constructor(
    readonly packages: readonly string[],
    detail: string,
  ) {
    super(`apt-get install ${packages.join(' ')} failed: ${detail}`);
    this.name = 'PackageInstallError';
  }
}

/** True when dpkg reports the package as fully installed. */
export async function isDebianPackageInstalled(name: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
    return stdout.trim() === 'install ok installed';
  } catch {
    return false;
  }
}

/** Installs whichever of `packages` are missing (no recommends, no service started); a no-op when all are there. */
export async function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) if (!(await isDebianPackageInstalled(name))) missing.push(name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new PackageInstallError(missing, 'installing needs root; run as root or install them first');

  const selections = missing.flatMap((name) => PRESEED[name] ?? []);
  if (selections.length > 0) await runWithInput('debconf-set-selections', [], `${selections.join('\n')}\n`);

  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# cantho-mail bench: no service starts while installing reference servers\nexit 101\n', { mode: 0o755 });
  try {
    await aptGetInstall(missing);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  for (const name of missing) {
    if (!(await isDebianPackageInstalled(name))) throw new PackageInstallError(missing, `${name} is still not installed`);
  }
  const units = [...new Set(missing.flatMap((name) => SYSTEM_UNITS[name] ?? []))];
  if (units.length > 0 && existsSync('/run/systemd/system')) {
    await run('systemctl', ['disable', '--now', ...units], { timeout: 60_000 }).catch(() => undefined);
  }
}

async function aptGetInstall(names: readonly string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confold', ...names];
  for (let attempt = 0; ; attempt++) {
    try {
      await run('apt-get', args, { env, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
      return;
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? err);
      // Other engineers install packages on the same machine: wait for their dpkg to finish.
      if (/Could not get lock|dpkg frontend lock|is another process using it/i.test(stderr) && attempt < LOCK_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      // A stale package list: refresh once, then try again.
      if (/Unable to locate package|Unable to fetch|404\s+Not Found/i.test(stderr) && attempt === 0) {
        await run('apt-get', ['update'], { env, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
        continue;
      }
      throw new PackageInstallError(names, stderr.trim().split('\n').slice(-3).join(' | '));
    }
  }
}

function runWithInput(command: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 30_000 }, (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(input);
  });
}
