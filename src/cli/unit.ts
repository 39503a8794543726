import type { Command } from 'commander';
import { parseTimeOfDay } from '../config/index.js';
import type { DiligenceChange, DiligenceUnit, UnitView } from '../directory/index.js';
import { assignUnitMessage } from '../maintenance/index.js';
import { CliError, formatRecord, runWithDirectory } from './runner.js';

/** `unit add|set-head|set-seen|list|show|suspend|resume|assign|diligence` (DESIGN.md "CLI"; set-seen, assign, diligence: docs/architecture.md "Unit mailboxes"). */
export function defineUnitCommands(unit: Command): void {

  unit
    .command('add <tên_sd>')
    .description('add a unit with its mailbox')
    .requiredOption('--name <name>', 'full name, e.g. "Văn phòng UBND thành phố"')
    .option('--parent <tên_sd>', 'parent unit')
    .option('--head <addr>', 'head of the unit (a person)')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((localPart: string, options: { name: string; parent?: string; head?: string; doc: string }, command: Command) =>
      runWithDirectory(command, async ({ directory, actor }) => {
        const added = await directory.admin.addUnit({ localPart, name: options.name, parent: options.parent, head: options.head }, { actor, doc: options.doc });
        return { json: added, text: `added ${added.address}` };
      }),
    );

  unit
    .command('set-head <tên_sd> <addr>')
    .description('make a person the head of a unit (all rights on its mailbox)')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((localPart: string, head: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const changed = directory.admin.setUnitHead(localPart, head, { actor, doc: options.doc });
        return { json: changed, text: `${changed.head} heads ${changed.address}` };
      }),
    );

  unit
    .command('set-seen <tên_sd> <mode>')
    .description('seen state of the unit mailbox: "shared" (one delegate reading marks it read for all) or "private" (each their own)')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((localPart: string, mode: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const changed = directory.admin.setSeenMode(localPart, mode, { actor, doc: options.doc });
        return { json: changed, text: `${changed.address} seen mode ${changed.seenMode}` };
      }),
    );

  unit
    .command('list')
    .description('list units')
    .action((_options: unknown, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const units = directory.admin.listUnits();
        return { json: units, text: units.map(unitLine).join('\n') };
      }),
    );

  unit
    .command('show <tên_sd>')
    .description('show a unit and its members')
    .action((localPart: string, _options: unknown, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const details = directory.showUnit(localPart);
        const text = formatRecord({ ...details, delegations: details.delegations.map((d) => `${d.person} ${d.rights}${d.sendAs ? ' send-as' : ''}`) });
        return { json: details, text };
      }),
    );

  unit
    .command('suspend <tên_sd>')
    .description("suspend a unit: its members' logins and sending are refused (Điều 10)")
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((localPart: string, options: { reason: string; doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const changed = directory.admin.suspendUnit(localPart, options.reason, { actor, doc: options.doc });
        return { json: changed, text: `suspended ${changed.address}` };
      }),
    );

  unit
    .command('resume <tên_sd>')
    .description('end the suspension of a unit')
    .requiredOption('--doc <ref>', 'request document reference')
    .action((localPart: string, options: { doc: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const changed = directory.admin.resumeUnit(localPart, { actor, doc: options.doc });
        return { json: changed, text: `resumed ${changed.address}` };
      }),
    );

  unit
    .command('assign <tên_sd> <uid>')
    .description('pass a message of the unit INBOX to a member or delegate (with a note; the message gets $Assigned)')
    .requiredOption('--to <addr>', 'member or delegate of the unit who must act')
    .requiredOption('--note <text>', 'what is asked of them')
    .option('--doc <ref>', 'document reference, when there is one')
    .action((localPart: string, uid: string, options: { to: string; note: string; doc?: string }, command: Command) =>
      runWithDirectory(command, async ({ directory, store, actor }) => {
        if (!/^[1-9]\d{0,9}$/.test(uid)) throw new CliError(`UID must be a positive number, not ${JSON.stringify(uid)}`);
        if (options.note.trim() === '') throw new CliError('--note must say what is asked');
        const assigned = await assignUnitMessage(directory, store, { unit: localPart, uid: Number(uid), to: options.to, note: options.note.trim(), actor, ...(options.doc ? { doc: options.doc } : {}) });
        return { json: assigned, text: `assigned UID ${assigned.uid} of ${assigned.unit} to ${assigned.to}` };
      }),
    );

  unit
    .command('diligence <tên_sd>')
    .description('show or set the unit\'s reminder of unread mail and daily digest (Điều 9.2); without options: show them')
    .option('--hours <n>', 'working hours a message may stay unread before a reminder; 0: no reminders')
    .option('--digest <HH:MM|off>', 'local time of the daily digest on working days, or "off"')
    .option('--reset', 'back to the [units] settings of the config')
    .option('--doc <ref>', 'request document reference (needed for a change)')
    .action((localPart: string, options: { hours?: string; digest?: string; reset?: boolean; doc?: string }, command: Command) =>
      runWithDirectory(command, ({ directory, actor }) => {
        const change = diligenceChange(options);
        const settings = change === null ? directory.admin.unitDiligence(localPart) : directory.admin.setUnitDiligence(localPart, change, { actor, doc: options.doc ?? null });
        return { json: settings, text: diligenceLine(settings) };
      }),
    );
}

function unitLine(unit: UnitView): string {
  return [unit.address, unit.status, unit.name, unit.head ? `head ${unit.head}` : ''].filter(Boolean).join('\t');
}

function diligenceChange(options: { hours?: string; digest?: string; reset?: boolean }): DiligenceChange | null {
  if (options.hours === undefined && options.digest === undefined && !options.reset) return null;
  const change: { reminderHours?: number; digestAt?: number | null; reset?: boolean } = {};
  if (options.reset) change.reset = true;
  if (options.hours !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(options.hours)) throw new CliError(`--hours must be a number of working hours, not ${JSON.stringify(options.hours)}`);
    change.reminderHours = Number(options.hours);
  }
  if (options.digest !== undefined) {
    const minutes = options.digest === 'off' ? null : parseTimeOfDay(options.digest);
    if (minutes === null && options.digest !== 'off') throw new CliError(`--digest must be a time like 07:30 or "off", not ${JSON.stringify(options.digest)}`);
    change.digestAt = minutes;
  }
  return change;
}

function diligenceLine(unit: DiligenceUnit): string {
  const digest = unit.digestAt === null ? 'no digest' : `digest at ${String(Math.floor(unit.digestAt / 60)).padStart(2, '0')}:${String(unit.digestAt % 60).padStart(2, '0')}`;
  const reminder = unit.reminderHours === 0 ? 'no reminders' : `reminder after ${unit.reminderHours} working hours`;
  return `${unit.address}\t${reminder}\t${digest}\t${unit.ownSettings ? 'own settings' : 'settings of [units]'}`;
}
