/** Why a rules file was refused. `format()` gives the one line the log and `spam check-config` print. */
export type RulesError =
  | { readonly kind: 'unreadable'; readonly file: string; readonly reason: string }
  | { readonly kind: 'syntax'; readonly file: string; readonly line: number; readonly column: number; readonly reason: string }
  | {
      readonly kind: 'invalid';
      readonly file: string;
      readonly line: number | null;
      /** The `id` of the rule the problem is in, when it is in a rule. */
      readonly ruleId: string | null;
      /** Dotted key path, "rule.3.regex". */
      readonly keyPath: string;
      readonly reason: string;
    };

export function formatRulesError(error: RulesError): string {
  switch (error.kind) {
    case 'unreadable':
      return `${error.file}: cannot read: ${error.reason}`;
    case 'syntax':
      return `${error.file}:${error.line}:${error.column}: TOML syntax: ${error.reason}`;
    case 'invalid': {
      const where = error.line === null ? error.file : `${error.file}:${error.line}`;
      const rule = error.ruleId === null ? '' : ` rule ${error.ruleId}:`;
      return `${where}:${rule} ${error.keyPath}: ${error.reason}`;
    }
  }
}
