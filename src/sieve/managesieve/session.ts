import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import type { Identity } from '../../directory/index.js';
import { isStoreUnavailable, type AccountId } from '../../store/index.js';
import { inheritProxiedPeer } from '../../tcp/index.js';
import { SIEVE_EXTENSIONS } from '../capabilities.js';
import { SieveScriptError } from '../errors.js';
import { SIEVE_LIMITS } from '../limits.js';
import { checkSieveScript, type RedirectPolicy } from '../policy.js';
import { CommandSyntaxError, readCommand, type CommandLine, type Word } from './command-line.js';
import { InputTooLong, SocketReader } from './reader.js';
import { sieveString, statusLine } from './responses.js';

/** A reply other than OK, mapped once to `NO (code) "text"`. */
class Refusal extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 5804 §1.6: script names are UTF-8 without control characters; we also bound their length. */
const SCRIPT_NAME = /^[^\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]{1,128}$/u;
/** RFC 4616: PLAIN fields are at most 255 octets each. */
const MAX_SASL_RESPONSE = 2048;

export interface ManageSieveHost {
  readonly ctx: AppContext;
  readonly secureContext: tls.SecureContext;
  readonly policy: RedirectPolicy;
  /** `[imap] allow_plaintext_auth` semantics: AUTHENTICATE before TLS only for loopback clients in tests. */
  plaintextAllowed(socket: Socket): boolean;
}

/**
 * One ManageSieve connection (RFC 5804): greeting with the capabilities, then one command at a
 * time. Logins are the IMAP ones (DESIGN.md "Login names", directory throttle); `unit*person`
 * manages the unit's scripts when the person holds the "a" right on it.
 */
export class ManageSieveSession {
  private readonly reader: SocketReader;
  private secure = false;
  private identity: Identity | null = null;

  constructor(
    private readonly host: ManageSieveHost,
    private socket: Socket,
    private readonly log: Logger,
  ) {
    this.reader = new SocketReader(socket);
  }

  async run(): Promise<void> {
    this.write(`${this.capabilities()}${statusLine('OK', 'cantho-mail ManageSieve ready')}`);
    const maxLiteral = this.host.ctx.config.sieve.max_script_bytes + 1024;
    for (;;) {
      let command: CommandLine | null;
      try {
        command = await readCommand(this.reader, maxLiteral);
      } catch (error) {
        if (error instanceof CommandSyntaxError) {
          this.write(statusLine('NO', `Syntax error: ${error.message}`));
          continue;
        }
        if (error instanceof InputTooLong) {
          this.write(statusLine('BYE', error.message));
          this.socket.end();
          return;
        }
        throw error;
      }
      if (command === null) return;
      this.log.debug({ command: command.name }, 'managesieve command');
      try {
        if (!(await this.execute(command))) return;
      } catch (error) {
        // RFC 5804 §1.3 TRYLATER: the shared script store is unreachable now (docs/postgres.en.md
        // "When the database is unreachable"); the client may retry the command.
        if (isStoreUnavailable(error)) {
          this.write(statusLine('NO', 'The script store is unavailable; try again later', 'TRYLATER'));
          continue;
        }
        if (!(error instanceof Refusal)) throw error;
        this.write(statusLine('NO', error.message, error.code));
      }
    }
  }

  /** Runs one command; false when the session is over. */
  private async execute(command: CommandLine): Promise<boolean> {
    const args = command.args;
    switch (command.name) {
      case 'CAPABILITY':
        this.write(`${this.capabilities()}${statusLine('OK', 'Capability completed')}`);
        return true;
      case 'NOOP':
        this.write(statusLine('OK', 'NOOP completed'));
        return true;
      case 'LOGOUT':
        this.write(statusLine('OK', 'Logout completed'));
        this.socket.end();
        return false;
      case 'STARTTLS':
        return this.startTls();
      case 'AUTHENTICATE':
        await this.authenticate(args);
        return true;
    }
    const account = this.requireAccount();
    const scripts = this.host.ctx.sieve;
    switch (command.name) {
      case 'HAVESPACE': {
        // RFC 5804 §2.3: HAVESPACE name size.
        await this.checkQuota(account, scriptName(args[0]), numberArg(args[1]));
        this.write(statusLine('OK', 'Putscript would succeed'));
        return true;
      }
      case 'PUTSCRIPT': {
        const name = scriptName(args[0]);
        const content = stringArg(args[1], 'the script');
        await this.checkQuota(account, name, Buffer.byteLength(content));
        this.checkScript(content);
        await scripts.putScript(account, name, content);
        this.audit(account, 'sieve.put', { script: name, bytes: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') });
        this.log.info({ account, script: name }, 'managesieve: script saved');
        this.write(statusLine('OK', 'Script saved'));
        return true;
      }
      case 'CHECKSCRIPT':
        this.checkScript(stringArg(args[0], 'the script'));
        this.write(statusLine('OK', 'Script is valid'));
        return true;
      case 'LISTSCRIPTS': {
        const lines = (await scripts.listScripts(account)).map((s) => `${sieveString(s.name)}${s.active ? ' ACTIVE' : ''}\r\n`);
        this.write(`${lines.join('')}${statusLine('OK', 'Listscripts completed')}`);
        return true;
      }
      case 'SETACTIVE': {
        // RFC 5804 §2.8: the empty name deactivates every script.
        const name = stringArg(args[0], 'a script name');
        if (!(await scripts.setActive(account, name === '' ? null : name))) throw new Refusal('NONEXISTENT', 'There is no script by that name');
        this.audit(account, 'sieve.activate', { script: name === '' ? null : name });
        this.log.info({ account, script: name }, 'managesieve: active script set');
        this.write(statusLine('OK', name === '' ? 'No script is active now' : 'Script activated'));
        return true;
      }
      case 'GETSCRIPT': {
        const content = await scripts.getScript(account, scriptName(args[0]));
        if (content === null) throw new Refusal('NONEXISTENT', 'There is no script by that name');
        this.write(`{${Buffer.byteLength(content)}}\r\n${content}\r\n${statusLine('OK', 'Getscript completed')}`);
        return true;
      }
      case 'DELETESCRIPT': {
        const name = scriptName(args[0]);
        const outcome = await scripts.deleteScript(account, name);
        if (outcome === 'nonexistent') throw new Refusal('NONEXISTENT', 'There is no script by that name');
        if (outcome === 'active') throw new Refusal('ACTIVE', 'You may not delete an active script');
        this.audit(account, 'sieve.delete', { script: name });
        this.write(statusLine('OK', 'Script deleted'));
        return true;
      }
      case 'RENAMESCRIPT': {
        const from = scriptName(args[0]);
        const to = scriptName(args[1]);
        if (!(await scripts.renameScript(account, from, to))) {
          if ((await scripts.getScript(account, from)) === null) throw new Refusal('NONEXISTENT', 'There is no script by that name');
          throw new Refusal('ALREADYEXISTS', 'A script with the new name already exists');
        }
        this.audit(account, 'sieve.rename', { script: from, to });
        this.write(statusLine('OK', 'Script renamed'));
        return true;
      }
      default:
        throw new Refusal(undefined, `Unknown command ${command.name.slice(0, 32)}`);
    }
  }

  /** RFC 5804 §1.7 capabilities; SASL mechanisms only where a password may travel (§2.1). */
  private capabilities(): string {
    const lines = [
      ['IMPLEMENTATION', 'cantho-mail'],
      ['SASL', this.secure || this.host.plaintextAllowed(this.socket) ? 'PLAIN' : ''],
      ['SIEVE', [...SIEVE_EXTENSIONS.keys()].join(' ')],
      ['MAXREDIRECTS', String(SIEVE_LIMITS.maxRedirects)],
      ['VERSION', '1.0'],
    ];
    if (!this.secure && this.identity === null) lines.push(['STARTTLS']);
    return lines.map(([name, value]) => `"${name}"${value === undefined ? '' : ` ${sieveString(value)}`}\r\n`).join('');
  }

  /** RFC 5804 §2.2: OK, then the TLS handshake, then the capabilities again. */
  private startTls(): boolean {
    if (this.secure || this.identity !== null) throw new Refusal(undefined, 'STARTTLS is not available now');
    // RFC 5804 §2.2: nothing may follow STARTTLS before the handshake (command injection).
    if (this.reader.hasBuffered()) {
      this.write(statusLine('BYE', 'Data after STARTTLS'));
      this.socket.end();
      return false;
    }
    this.write(statusLine('OK', 'Begin TLS negotiation now'));
    const secured = new tls.TLSSocket(this.socket, { isServer: true, secureContext: this.host.secureContext });
    inheritProxiedPeer(secured);
    secured.on('error', () => secured.destroy());
    this.socket = secured;
    this.reader.attach(secured);
    this.secure = true;
    secured.once('secure', () => this.write(`${this.capabilities()}${statusLine('OK', 'TLS negotiation successful')}`));
    return true;
  }

  /** RFC 5804 §2.1 AUTHENTICATE "PLAIN" [initial response] (RFC 4616). */
  private async authenticate(args: readonly Word[]): Promise<void> {
    if (this.identity !== null) throw new Refusal(undefined, 'Already authenticated');
    if (!this.secure && !this.host.plaintextAllowed(this.socket)) throw new Refusal('ENCRYPT-NEEDED', 'Use STARTTLS first');
    if (stringArg(args[0], 'a mechanism').toUpperCase() !== 'PLAIN') throw new Refusal(undefined, 'Unsupported mechanism; use PLAIN');
    let response = args[1] === undefined ? null : stringArg(args[1], 'the initial response');
    if (response === null) {
      this.write('""\r\n');
      const reply = await readCommandString(this.reader);
      if (reply === null) throw new Refusal(undefined, 'Connection closed during AUTHENTICATE');
      response = reply;
    }
    if (response === '*') throw new Refusal(undefined, 'Authentication cancelled');
    if (response.length > MAX_SASL_RESPONSE || !/^[A-Za-z0-9+/]*={0,2}$/.test(response)) throw new Refusal(undefined, 'The PLAIN response is not base64');
    const fields = Buffer.from(response, 'base64').toString('utf8').split('\0');
    if (fields.length !== 3 || fields[1] === '' || fields[2] === '') throw new Refusal(undefined, 'Authentication failed');
    const [authzid, authcid, password] = fields as [string, string, string];
    const login = authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase() ? `${authzid}*${authcid}` : authcid;
    const result = await this.host.ctx.directory.verifyLogin(login, password, { protocol: 'managesieve', ip: this.socket.remoteAddress ?? '' });
    // Another's unit scripts need the right to administer it; without it, the same answer as a wrong password (no existence leak).
    if (!result.ok || (result.identity.account !== result.identity.person && !result.identity.rights.includes('a'))) {
      if (!result.ok && result.delayMs > 0) await sleep(result.delayMs);
      throw new Refusal(undefined, 'Authentication failed');
    }
    this.identity = result.identity;
    this.log.info({ user: result.identity.person, account: result.identity.account }, 'managesieve: login');
    this.write(statusLine('OK', 'Authenticated'));
  }

  /** Script changes are in the audit log: who (the person, also for `unit*person`), whose scripts, what. */
  private audit(account: AccountId, action: string, detail: Readonly<Record<string, unknown>>): void {
    this.host.ctx.directory.audit({ actor: this.identity!.person, action, subject: account, detail: { ...detail, via: 'managesieve' } });
  }

  private requireAccount(): AccountId {
    if (this.identity === null) throw new Refusal(undefined, 'Authenticate first');
    return this.identity.account;
  }

  /** RFC 5804 §2.3 quota codes: per script (`[sieve] max_script_bytes`) and per account (`max_scripts`). */
  private async checkQuota(account: AccountId, name: string, size: number): Promise<void> {
    const config = this.host.ctx.config.sieve;
    if (size > Math.min(config.max_script_bytes, SIEVE_LIMITS.maxScriptBytes)) throw new Refusal('QUOTA/MAXSIZE', 'Script is too large');
    const existing = await this.host.ctx.sieve.listScripts(account);
    if (!existing.some((s) => s.name === name) && existing.length >= config.max_scripts) throw new Refusal('QUOTA/MAXSCRIPTS', `At most ${config.max_scripts} scripts`);
  }

  /** RFC 5804 §2.6, §2.12: the reason names line:column; nothing is saved, the active script stays. */
  private checkScript(content: string): void {
    try {
      checkSieveScript(content, this.host.policy);
    } catch (error) {
      if (error instanceof SieveScriptError) throw new Refusal(undefined, error.message);
      throw error;
    }
  }

  private write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }
}

function stringArg(word: Word | undefined, what: string): string {
  if (word === undefined || word.kind !== 'string') throw new Refusal(undefined, `Expected ${what} as a string`);
  return word.value;
}

function numberArg(word: Word | undefined): number {
  if (word === undefined || word.kind !== 'number') throw new Refusal(undefined, 'Expected a number');
  return word.value;
}

function scriptName(word: Word | undefined): string {
  const name = stringArg(word, 'a script name');
  if (!SCRIPT_NAME.test(name)) throw new Refusal(undefined, 'Invalid script name');
  return name;
}

/** The client's answer to a SASL continuation: one string on its own line (RFC 5804 §2.1). */
async function readCommandString(reader: SocketReader): Promise<string | null> {
  const line = await reader.line();
  if (line === null) return null;
  const text = line.toString('utf8');
  if (text.startsWith('{')) {
    const size = /^\{(\d{1,4})\+?\}$/.exec(text);
    if (!size) return '';
    const octets = await reader.octets(Number(size[1]));
    await reader.line();
    return octets === null ? null : octets.toString('utf8');
  }
  return text.replace(/^"(.*)"$/, '$1');
}
