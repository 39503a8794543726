import type { Command } from 'commander';
import type { DelegationView } from '../directory/index.js';
import { runWithDirectory } from './runner.js';

/** `delegate grant|revoke|list` (DESIGN.md "CLI"; docs/architecture.md "Unit mailboxes"): rights of a person on a unit's mailboxes. */
export function defineDelegateCommands(delegate: Command): void {

  delegate
    .command('grant <unit> <person>')
    .description('grant (or change) rights on the unit mailbox')
    .option('--rights <letters>', 'RFC 4314 rights letters (default: policy.default_delegate_rights)')
    .option('--send-as', 'may also send as the unit')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((unit: string, person: string, options: { rights?: string; sendAs?: boolean; doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const granted = directory.admin.grantDelegation({ unit, person, rights: options.rights, sendAs: options.sendAs }, { actor, doc: options.doc });
        return { json: granted, text: `granted ${delegationLine(granted)}` };
      }),
    );

  delegate
    .command('revoke <unit> <person>')
    .description('take away every right on the unit mailbox')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((unit: string, person: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const revoked = directory.admin.revokeDelegation(unit, person, { actor, doc: options.doc });
        return { json: revoked, text: `revoked ${revoked.person} on ${revoked.unit}` };
      }),
    );

  delegate
    .command('list <unit>')
    .description('who holds rights on the unit mailbox')
    .action((unit: string, _options: unknown, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const delegations = directory.admin.listDelegations(unit);
        return { json: delegations, text: delegations.map(delegationLine).join('\n') };
      }),
    );
}

function delegationLine(d: DelegationView): string {
  return [d.person, d.unit, d.rights, d.sendAs ? 'send-as' : '', `doc ${d.doc}`].filter(Boolean).join('\t');
}
