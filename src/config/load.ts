import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { configSchema, type Config } from './schema.js';

/** A config that cannot be used; `message` is one line naming the file, the key path and the reason. */
export class ConfigError extends Error {
  constructor(
    readonly file: string | null,
    readonly keyPath: string,
    readonly reason: string,
  ) {
    super(`${file ?? '(defaults)'}: ${keyPath ? `${keyPath}: ` : ''}${reason}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_FILE = 'config/cantho-mail.toml';
/** Where an installed server keeps its config (the Debian package layout, the container image). */
export const SYSTEM_CONFIG_FILE = '/etc/cantho-mail/cantho-mail.toml';
/** The lookup order in words, for messages and --help (docs/admin-guide.en.md "Config"). */
export const CONFIG_LOOKUP_ORDER = `--config, $CANTHO_MAIL_CONFIG, ${SYSTEM_CONFIG_FILE}, ./${DEFAULT_CONFIG_FILE}`;

/**
 * Which file to read, in one documented order: `--config FILE`, else `$CANTHO_MAIL_CONFIG`, else
 * `/etc/cantho-mail/cantho-mail.toml` when it exists, else `./config/cantho-mail.toml` when it
 * exists; null means the embedded defaults.
 */
export function locateConfigFile(explicit?: string, env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = existsSync): string | null {
  if (explicit) return path.resolve(explicit);
  if (env.CANTHO_MAIL_CONFIG) return path.resolve(env.CANTHO_MAIL_CONFIG);
  if (exists(SYSTEM_CONFIG_FILE)) return SYSTEM_CONFIG_FILE;
  const local = path.resolve(DEFAULT_CONFIG_FILE);
  return exists(local) ? local : null;
}

/** Reads and validates a config file (or the defaults when `file` is null). Throws ConfigError. */
export function loadConfig(file: string | null): Config {
  let raw: unknown = {};
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(file, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      raw = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError) {
        throw new ConfigError(file, '', `TOML syntax at line ${err.line}, column ${err.column}: ${firstLine(err.message)}`);
      }
      throw err;
    }
  }
  return configFromObject(raw, file);
}

/** Validates an already-parsed object; used by loadConfig and by tests that build configs in code. */
export function configFromObject(raw: unknown, file: string | null = null): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const keyPath = issue.path.map(String).join('.');
    const reason =
      issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    throw new ConfigError(file, keyPath, reason);
  }
  const parsed = result.data;
  const baseDir = file ? path.dirname(file) : path.resolve('config');
  const dataDir = path.resolve(parsed.server.data_dir);
  const localDomains = [parsed.server.domain, ...parsed.server.domains.filter((d) => d !== parsed.server.domain)];
  return {
    ...parsed,
    file,
    localDomains,
    paths: {
      dataDir,
      database: path.join(dataDir, 'mail.db'),
      spamRules: path.resolve(baseDir, parsed.spam.rules),
      templates: path.resolve(baseDir, 'templates'),
    },
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
