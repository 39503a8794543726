import type { Command } from 'commander';
import { CliError, failWith, printOutput } from './runner.js';

/** `dkim keygen`: a new DKIM key pair (src/setup), the private key into DIR, the TXT record printed. */
export function defineDkimCommands(dkim: Command): void {
  dkim
    .command('keygen')
    .description('make an RSA-2048 key pair: the private key in DIR/<selector>.key, the DNS record printed')
    .requiredOption('--selector <selector>', 'the selector, e.g. mail2027 (then set [dkim] selector and private_key)')
    .option('--dir <dir>', 'where the private key goes', '.')
    .option('--domain <domain>', 'domain for the record name', 'cantho.gov.vn')
    .action(async (options: { selector: string; dir: string; domain: string }, command: Command) => {
      try {
        const { dkimTxtValue, formatDnsRecords, generateDkimKey } = await import('../setup/index.js');
        let key;
        try {
          key = generateDkimKey(options.dir, options.selector);
        } catch (error) {
          throw new CliError(error instanceof Error ? error.message : String(error));
        }
        const record = { name: `${options.selector}._domainkey.${options.domain}.`, type: 'TXT' as const, value: dkimTxtValue(key.publicKey), why: 'RFC 6376 §3.6.2.1: publish before setting [dkim] selector' };
        printOutput(command, { json: { privateKey: key.privateKeyFile, record }, text: `DKIM private key: ${key.privateKeyFile}\n${formatDnsRecords([record])}` });
      } catch (error) {
        failWith(command, error);
      }
    });
}
