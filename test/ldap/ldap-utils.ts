import { execFile } from 'node:child_process';

/**
 * Debian's ldap-utils (OpenLDAP's ldapsearch, ldapwhoami), clients nobody here wrote. The test
 * certificate is self-signed, so TLS checks the server's certificate not at all
 * (LDAPTLS_REQCERT=never).
 */

export interface ToolRun {
  /** The tool's exit status: 0, or the LDAP result code it reports (49 invalidCredentials, …). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function ldapTool(tool: 'ldapsearch' | 'ldapwhoami', args: readonly string[]): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      `/usr/bin/${tool}`,
      [...args],
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LDAPTLS_REQCERT: 'never' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface LdifEntry {
  readonly dn: string;
  readonly attributes: Record<string, string[]>;
}

/** LDIF as ldapsearch prints it with `-o ldif-wrap=no` (RFC 2849: `name:: base64` for non-ASCII values). */
export function parseLdif(text: string): LdifEntry[] {
  const entries: LdifEntry[] = [];
  for (const block of text.split(/\n\n+/)) {
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const pairs = lines.map((line) => {
      const base64 = line.match(/^([^:]+):: ?(.*)$/);
      if (base64) return [base64[1]!, Buffer.from(base64[2]!, 'base64').toString('utf8')] as const;
      const plain = line.match(/^([^:]+): ?(.*)$/);
      return plain ? ([plain[1]!, plain[2]!] as const) : null;
    });
    const first = pairs[0];
    if (!first || first[0] !== 'dn') continue;
    const attributes: Record<string, string[]> = {};
    for (const pair of pairs.slice(1)) if (pair) (attributes[pair[0]] ??= []).push(pair[1]);
    entries.push({ dn: first[1], attributes });
  }
  return entries;
}
