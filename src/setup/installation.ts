import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { configFromObject, type Config } from '../config/index.js';
import { openDatabase } from '../store/index.js';
import { generateDkimKey, type DkimKeyFiles } from './dkim-key.js';
import { dnsRecordsFor, type DnsRecord } from './dns-records.js';

/** The shipped examples: config/cantho-mail.toml (development) and config/production.toml. */
const SHIPPED = path.resolve(import.meta.dirname, '../../config');

export interface InitOptions {
  readonly dir: string;
  readonly production: boolean;
  /** Default: `<dir>/data` for development, the example's `/var/lib/cantho-mail` for production. */
  readonly dataDir?: string;
  readonly domain?: string;
  readonly hostname?: string;
  /** Default: `mail<year>`, so that the next rotation gets a new name. */
  readonly selector?: string;
  /** clamd over TCP ("host:port", e.g. the compose service "clamav:3310") instead of the example's unix socket. */
  readonly clamd?: string;
  /** `[mta_sts] mode` (RFC 8461): "testing" or "enforce"; default none. */
  readonly mtaSts?: string;
  /** `[mta_sts] tls_rpt_rua` (RFC 8460): where senders report TLS failures; default none. */
  readonly tlsRpt?: string;
}

export interface Installation {
  readonly configFile: string;
  readonly config: Config;
  readonly dkim: DkimKeyFiles;
  readonly records: DnsRecord[];
}

/** Some target of `init` exists already; nothing was written. */
export class InstallationExists extends Error {
  override readonly name = 'InstallationExists';
}

export function createInstallation(options: InitOptions): Installation {
  const dir = path.resolve(options.dir);
  const selector = options.selector ?? `mail${new Date().getUTCFullYear()}`;
  const configFile = path.join(dir, 'cantho-mail.toml');
  const keyFile = path.join(dir, 'dkim', `${selector}.key`);
  const dataDir = path.resolve(options.dataDir ?? (options.production ? '/var/lib/cantho-mail' : path.join(dir, 'data')));

  const shipped = setKeys(readFileSync(path.join(SHIPPED, options.production ? 'production.toml' : 'cantho-mail.toml'), 'utf8'), {
    data_dir: dataDir,
    selector,
    private_key: keyFile,
    ...(options.domain ? { domain: options.domain } : {}),
    ...(options.hostname ? { hostname: options.hostname } : {}),
    ...(options.mtaSts ? { mode: options.mtaSts } : {}),
    ...(options.tlsRpt ? { tls_rpt_rua: options.tlsRpt } : {}),
  });
  // No certificate where the production example expects one (yet): the self-signed pair until the
  // admin puts it there and sets [tls] (docs/admin-guide.en.md "TLS").
  const tlsFiles = parseToml(shipped).tls as { cert: string; key: string };
  const certMissing = tlsFiles.cert !== '' && !(existsSync(tlsFiles.cert) && existsSync(tlsFiles.key));
  const shippedTls = certMissing ? setKeys(shipped, { cert: '', key: '' }) : shipped;
  const text = options.clamd ? useClamdOverTcp(shippedTls, options.clamd) : shippedTls;
  // Validated before anything is written: a bad --domain stops here with the key and the reason.
  const config = configFromObject(parseToml(text), configFile);

  const targets = [configFile, path.join(dir, 'spam-rules.toml'), path.join(dir, 'templates'), keyFile, config.paths.database];
  const present = targets.filter((target) => existsSync(target));
  if (present.length > 0) throw new InstallationExists(`not overwriting what exists: ${present.join(', ')}`);

  mkdirSync(dir, { recursive: true });
  writeFileSync(configFile, text, { flag: 'wx' });
  cpSync(path.join(SHIPPED, 'spam-rules.toml'), path.join(dir, 'spam-rules.toml'), { errorOnExist: true, force: false });
  cpSync(path.join(SHIPPED, 'templates'), path.join(dir, 'templates'), { recursive: true, errorOnExist: true, force: false });
  const dkim = generateDkimKey(path.dirname(keyFile), selector);
  // The database now, so that the directory commands (`unit add`, …) work before the first serve.
  openDatabase(config.paths.database).close();
  return { configFile, config, dkim, records: dnsRecordsFor(config, dkim.publicKey) };
}

/** `[clamav] socket = …` becomes `host` and `port` (DESIGN.md "Config": socket, or host and port). */
function useClamdOverTcp(text: string, clamd: string): string {
  const match = /^([^:\s]+):(\d{1,5})$/.exec(clamd);
  if (!match) throw new Error(`--clamd: not "host:port": ${JSON.stringify(clamd)}`);
  return text.replace(/^socket = "[^"]*".*$/m, `host = ${JSON.stringify(match[1])}\nport = ${Number(match[2])}`);
}

/** Replaces the quoted value of each `key = "…"` line (first occurrence), keeping comments and layout. */
function setKeys(text: string, values: Record<string, string>): string {
  let result = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^(${key}\\s*=\\s*)"[^"]*"`, 'm');
    if (!line.test(result)) throw new Error(`shipped config has no ${key} line`);
    result = result.replace(line, (_match, prefix: string) => `${prefix}${JSON.stringify(value)}`);
  }
  return result;
}
