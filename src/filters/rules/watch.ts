import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { formatRulesError, type RulesError } from './errors.js';
import type { RuleSet } from './compile.js';
import { loadRulesFile, type RulesLoadResult } from './load.js';

/** The rules file could not be used at start-up (there are no previous rules to keep). */
export class RulesFileError extends Error {
  constructor(readonly error: RulesError) {
    super(formatRulesError(error));
    this.name = 'RulesFileError';
  }
}

/** Editors save in bursts (truncate, write, rename); one reload after the burst settles. */
const DEBOUNCE_MS = 150;

/**
 * Holds the current rule set and swaps it on reload. A valid file takes effect for the next
 * message; an invalid one is refused with file:line and rule id in the log, and the previous rules
 * stay. The directory is watched rather than the file, because an editor that saves by renaming a
 * new file over the old one would leave a file watch looking at the deleted inode.
 */
export class RulesHolder {
  private rules: RuleSet;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    const result = loadRulesFile(file);
    if (!result.ok) throw new RulesFileError(result.error);
    this.rules = result.rules;
    this.logger.info({ file, rules: result.rules.rules.length }, 'spam rules loaded');
  }

  current(): RuleSet {
    return this.rules;
  }

  /** Re-reads the file now (file change, SIGHUP). */
  reload(): RulesLoadResult {
    const result = loadRulesFile(this.file);
    if (result.ok) {
      this.rules = result.rules;
      this.logger.info({ file: this.file, rules: result.rules.rules.length }, 'spam rules reloaded');
    } else {
      const error = result.error;
      this.logger.error(
        { file: this.file, line: 'line' in error ? error.line : null, ruleId: error.kind === 'invalid' ? error.ruleId : null },
        `spam rules refused, previous rules stay: ${formatRulesError(error)}`,
      );
    }
    return result;
  }

  /** Starts watching the file for changes. */
  watch(): void {
    if (this.watcher) return;
    const base = path.basename(this.file);
    this.watcher = watch(path.dirname(this.file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== base) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.reload();
      }, DEBOUNCE_MS);
    });
    this.watcher.on('error', (err) => this.logger.error({ file: this.file, err }, 'watching the spam rules file failed'));
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
