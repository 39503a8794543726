import type { Command } from 'commander';
import type { PasswordIssued, PersonView } from '../directory/index.js';
import { formatRecord, readPasswordFromStdin, runWithDirectory } from './runner.js';
import { definePersonVacation } from './vacation.js';

/** `person add|show|list|transfer|retire|password-reset|vacation` (DESIGN.md "CLI"). */
export function definePersonCommands(person: Command): void {

  person
    .command('add')
    .description('add a person; the address is made from the name unless --address is given')
    .requiredOption('--name <name>', 'full name, e.g. "Nguyễn Văn An"')
    .requiredOption('--unit <tên_sd>', 'unit')
    .option('--address <tên_sd>', 'explicit address instead of the generated one')
    .option('--title <title>', 'title (chức vụ)')
    .option('--phone <phone>', 'phone number')
    .requiredOption('--doc <ref>', 'request document reference')
    .option('--password-stdin', 'read the initial password from standard input instead of generating one')
    .action(
      (
        options: { name: string; unit: string; address?: string; title?: string; phone?: string; doc: string; passwordStdin?: boolean },
        command: Command,
      ) =>
        runWithDirectory(command, async ({ directory, actor }) => {
          const password = options.passwordStdin ? await readPasswordFromStdin(command) : undefined;
          const issued = await directory.admin.addPerson(
            { name: options.name, unit: options.unit, address: options.address, title: options.title, phone: options.phone, password },
            { actor, doc: options.doc },
          );
          return passwordOutput(issued, 'added');
        }),
    );

  person
    .command('show <addr>')
    .description('show a person, the units they head and their delegations')
    .action((address: string, _options: unknown, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const details = directory.admin.showPerson(address);
        const text = formatRecord({ ...details, delegations: details.delegations.map((d) => `${d.unit} ${d.rights}${d.sendAs ? ' send-as' : ''}`) });
        return { json: details, text };
      }),
    );

  person
    .command('list')
    .description('list persons')
    .option('--unit <tên_sd>', 'only the members of this unit')
    .action((options: { unit?: string }, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const persons = directory.admin.listPersons(options.unit);
        return { json: persons, text: persons.map(personLine).join('\n') };
      }),
    );

  person
    .command('transfer <addr>')
    .description('move a person to another unit (ends their delegations)')
    .requiredOption('--unit <tên_sd>', 'new unit')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((address: string, options: { unit: string; doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const moved = directory.admin.transferPerson(address, options.unit, { actor, doc: options.doc });
        return { json: moved, text: `${moved.address} is now in ${moved.unit}` };
      }),
    );

  person
    .command('retire <addr>')
    .description('retire a person: login refused, mail refused, address kept while the mailbox exists')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((address: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const retired = directory.admin.retirePerson(address, { actor, doc: options.doc });
        return { json: retired, text: `retired ${retired.address}` };
      }),
    );

  person
    .command('password-reset <addr>')
    .description('give a new password that must be changed at first use')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option('--doc <ref>', 'request document reference, when there is one')
    .action((address: string, options: { passwordStdin?: boolean; doc?: string }, command: Command) =>
      runWithDirectory(command, async ({ directory, actor }) => {
        const password = options.passwordStdin ? await readPasswordFromStdin(command) : undefined;
        return passwordOutput(await directory.admin.resetPassword(address, password, { actor, doc: options.doc }), 'new password for');
      }),
    );

  person
    .command('password-import <addr>')
    .description("carry over the argon2id hash of the mail system being replaced (standard input), so the official keeps their password")
    .requiredOption('--doc <ref>', 'request document reference')
    .action((address: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, async ({ directory, actor }) => {
        // Dovecot's passdb writes the scheme before the PHC string: {ARGON2ID}$argon2id$v=19$….
        const hash = (await readPasswordFromStdin(command)).trim().replace(/^\{ARGON2ID\}/i, '');
        const imported = directory.admin.importPasswordHash(address, hash, { actor, doc: options.doc });
        return { json: imported, text: `password hash imported for ${imported.address}` };
      }),
    );

  definePersonVacation(person);
}

/** The generated password is printed once, here, and stored nowhere but as its argon2id hash. */
function passwordOutput(issued: PasswordIssued, verb: string) {
  const lines = [`${verb} ${issued.person.address}`];
  if (issued.password !== null) lines.push(`password: ${issued.password}`);
  return { json: { ...issued.person, ...(issued.password !== null ? { password: issued.password } : {}) }, text: lines.join('\n') };
}

function personLine(person: PersonView): string {
  return [person.address, person.status, person.name, person.unit, person.title ?? ''].filter(Boolean).join('\t');
}
