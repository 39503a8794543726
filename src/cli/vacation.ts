import type { Command } from 'commander';
import { accountRules, HandWrittenScriptError, outOfOfficeProblems, redirectPolicy, saveAccountRules, type OutOfOffice, type OutOfOfficeProblem } from '../sieve/index.js';
import { openSieveScriptStore, type SieveScriptStore } from '../store/index.js';
import { CliError, formatRecord, runWithDirectory, type CliSession, type CommandOutput } from './runner.js';

const PROBLEMS: Readonly<Record<OutOfOfficeProblem, string>> = {
  'bad-start': '--from must be a date YYYY-MM-DD',
  'bad-end': '--to must be a date YYYY-MM-DD',
  'end-before-start': '--to is before --from',
  'dates-unsupported': "this server's Sieve has no \"date\" extension (RFC 5260) yet: leave out --from/--to and switch off by hand",
  'subject-too-long': '--subject is longer than 200 characters',
  'missing-message': 'out-of-office needs a --message',
  'message-too-long': '--message is longer than 8000 characters',
};

interface VacationOptions {
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
  readonly message?: string;
  readonly doc?: string;
}

/**
 * `person vacation <addr> [on|off]` (DESIGN.md "CLI"): an admin sets an official's out-of-office
 * when the official cannot, in the same generated script as the web page's "Trả lời tự động"
 * (src/sieve/mail-rules.ts), so the official sees it there. Options not given keep their value;
 * `--from ""` or `--to ""` clears a date. A change names its request document and is audited in
 * the same transaction; an official's hand-written active script is refused, never replaced.
 * With `[store] backend = "postgres"` the script is in PostgreSQL and the audit row in the SQLite
 * file: the audit row's transaction is open while the script is written and commits after it, so
 * a failed write leaves no record (docs/postgres.en.md "Sieve scripts on several nodes").
 */
export function definePersonVacation(person: Command): void {
  person
    .command('vacation <addr> [state]')
    .description('show, or switch on/off, an official\'s out-of-office reply (state: on | off)')
    .option('--from <date>', 'first day, YYYY-MM-DD (Cần Thơ time); "" for none')
    .option('--to <date>', 'last day, YYYY-MM-DD; "" for none')
    .option('--subject <text>', 'subject of the reply; "" for the default "Trả lời tự động: <subject>"')
    .option('--message <text>', 'text of the reply')
    .option('--doc <ref>', 'request document reference (required for a change)')
    .action((address: string, state: string | undefined, options: VacationOptions, command: Command) =>
      runWithDirectory(command, async (session) => {
        const sieve = await openSieveScriptStore(session.db, session.config.store);
        try {
          return await vacation(session, sieve, address, state, options);
        } finally {
          await sieve.close();
        }
      }),
    );
}

async function vacation({ db, config, directory, actor }: CliSession, sieve: SieveScriptStore, address: string, state: string | undefined, options: VacationOptions): Promise<CommandOutput> {
  const account = directory.admin.showPerson(address).address;
  const current = await accountRules(sieve, account);
  const changing = state !== undefined || Object.keys(options).some((key) => key !== 'doc');
  if (!changing) {
    if (current.kind === 'hand-written') return { json: { address: account, handWritten: current.name }, text: `${account}: hand-written Sieve script "${current.name}" is active` };
    const ooo = current.rules.outOfOffice;
    return { json: { address: account, ...ooo }, text: formatRecord({ address: account, ...ooo }) };
  }
  if (state !== undefined && state !== 'on' && state !== 'off') throw new CliError(`state must be "on" or "off", not ${JSON.stringify(state)}`);
  if (!options.doc) throw new CliError('a change of out-of-office needs --doc <ref> (the request document)');
  if (current.kind === 'hand-written') throw new CliError(new HandWrittenScriptError(current.name).message);
  const before = current.rules.outOfOffice;
  const emptyToNull = (value: string | undefined, kept: string | null) => (value === undefined ? kept : value.trim() === '' ? null : value.trim());
  const after: OutOfOffice = {
    enabled: state === undefined ? before.enabled : state === 'on',
    start: emptyToNull(options.from, before.start),
    end: emptyToNull(options.to, before.end),
    subject: options.subject?.trim() ?? before.subject,
    message: options.message?.replace(/\r\n/g, '\n').trim() ?? before.message,
  };
  const problems = outOfOfficeProblems(after);
  if (problems.length > 0) throw new CliError(problems.map((p) => PROBLEMS[p]).join('; '));
  const policy = redirectPolicy(config.sieve, (domain) => directory.isLocalDomain(domain));
  // The script and its audit row commit together: no change without its record.
  db.exec('BEGIN IMMEDIATE');
  try {
    await saveAccountRules(sieve, account, { ...current.rules, outOfOffice: after }, policy);
    directory.audit({ actor, action: 'sieve.vacation', subject: account, doc: options.doc, detail: { before, after } });
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return { json: { address: account, ...after }, text: `out-of-office for ${account} is ${after.enabled ? 'on' : 'off'}` };
}
