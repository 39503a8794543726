/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a .cpuprofile JSON: a call tree of nodes with
 * self-sample counts, and the sample interval) and reports how much of the served process's time
 * the group commit took (GroupCommit.flushBatch in src/store/group-commit.ts, inclusive: the
 * SQLite writes and the COMMIT's fsync happen inside it, on the event loop).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

const MEASURED = 'flushBatch';

/**
 * One line: the newest main-thread profile in `dir`, its busy time and the group commit's share
 * of it. Node names them CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; the main
 * thread is thread 0 (workers, such as argon2's, write their own).
 */
export function groupCommitShare(dir: string): string {
  const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length === 0) return `no .cpuprofile in ${dir}`;
  const newest = files.map((f) => path.join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const profile = JSON.parse(readFileSync(newest, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const inclusive = (node: ProfileNode): number => (node.hitCount ?? 0) + (node.children ?? []).reduce((sum, id) => sum + inclusive(byId.get(id)!), 0);
  const root = profile.nodes[0]!;
  const total = inclusive(root);
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  // Outermost flushBatch frames only: a recursive match would count its samples twice.
  let commit = 0;
  const walk = (node: ProfileNode): void => {
    if (node.callFrame.functionName === MEASURED) commit += inclusive(node);
    else for (const id of node.children ?? []) walk(byId.get(id)!);
  };
  walk(root);
  const ms = (samples: number) => (samples * msPerSample).toFixed(0);
  const percent = (part: number, of: number) => ((100 * part) / Math.max(1, of)).toFixed(1);
  return (
    `cpu profile ${path.basename(newest)}: ${ms(total)} ms recorded, ${ms(total - idle)} ms busy; group commit (${MEASURED}, fsync included) ` +
    `${ms(commit)} ms = ${percent(commit, total - idle)} % of busy time, ${percent(commit, total)} % of wall time`
  );
}
