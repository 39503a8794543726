/**
 * What a long backup or restore step reports while it runs. The CLI draws it on a terminal
 * (stderr, one line rewritten in place); scripts and `--json` get nothing until the result.
 */
export type ProgressReporter = (step: string, done: number, total: number) => void;

export const silentProgress: ProgressReporter = () => {};

/** One line on `stream` rewritten in place; a new step starts a new line. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter | null {
  if (!stream.isTTY) return null;
  let current = '';
  return (step, done, total) => {
    if (current !== '' && step !== current) stream.write('\n');
    current = step;
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
    stream.write(`\r${step.padEnd(10)} ${String(percent).padStart(3)}%  ${megabytes(done)} / ${megabytes(total)} MB`);
    if (done >= total) {
      stream.write('\n');
      current = '';
    }
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
