import type { Command } from 'commander';
import type { InitOptions } from '../setup/index.js';
import { CliError, failWith, printOutput } from './runner.js';

/**
 * `init [--production] [DIR]` (DESIGN.md "CLI"): a new installation in DIR (default: the working
 * directory) — config, spam rules, templates, DKIM key pair, database — and the DNS records to
 * publish. Refuses to overwrite anything (src/setup).
 */
export function defineInitCommand(init: Command): void {
  init
    .argument('[dir]', 'directory for the config files', '.')
    .option('--production', 'start from config/production.toml (standard ports, fail-closed virus scanning)')
    .option('--data-dir <dir>', 'where the database goes (default: DIR/data; production: /var/lib/cantho-mail)')
    .option('--domain <domain>', 'the mail domain (default cantho.gov.vn)')
    .option('--hostname <name>', 'this server\'s host name, the MX (default mail.cantho.gov.vn)')
    .option('--selector <selector>', 'DKIM selector (default mail<year>)')
    .option('--clamd <host:port>', 'clamd over TCP (e.g. clamav:3310 in compose.yaml) instead of /run/clamav/clamd.ctl')
    .option('--mta-sts <mode>', 'publish an MTA-STS policy (RFC 8461): testing or enforce')
    .option('--tls-rpt <uri>', 'where senders report TLS failures (RFC 8460): mailto:… or https://…')
    .action(async (dir: string, options: InitCommandOptions, command: Command) => {
      try {
        // Loaded only here: the other commands start without the key generation and copies.
        const { createInstallation, formatDnsRecords, InstallationExists } = await import('../setup/index.js');
        let made;
        try {
          made = createInstallation({ dir, production: options.production ?? false, ...definedOnly(options) });
        } catch (error) {
          if (error instanceof InstallationExists) throw new CliError(error.message);
          throw error;
        }
        const text = [
          `config: ${made.configFile}`,
          `database: ${made.config.paths.database}`,
          `DKIM private key: ${made.dkim.privateKeyFile}`,
          '',
          `DNS records to publish (zone-file lines${made.config.mta_sts.mode === '' ? '; MTA-STS not configured: [mta_sts] mode or --mta-sts' : ''}):`,
          formatDnsRecords(made.records),
          '',
          `start: cantho-mail serve --config ${made.configFile}`,
        ].join('\n');
        printOutput(command, { json: { config: made.configFile, database: made.config.paths.database, dkimPrivateKey: made.dkim.privateKeyFile, records: made.records }, text });
      } catch (error) {
        failWith(command, error);
      }
    });
}

/** What commander parsed: createInstallation's options, each given or not (the directory is the argument). */
type InitCommandOptions = Partial<Omit<InitOptions, 'dir'>>;

function definedOnly(options: InitCommandOptions) {
  const { dataDir, domain, hostname, selector, clamd, mtaSts, tlsRpt } = options;
  return Object.fromEntries(Object.entries({ dataDir, domain, hostname, selector, clamd, mtaSts, tlsRpt }).filter(([, v]) => v !== undefined));
}
