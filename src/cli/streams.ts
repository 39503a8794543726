import type { Command } from 'commander';

/**
 * Where a command line reads and writes: the process's own streams (bin/cantho-mail.mjs), or a
 * caller's buffers, so that the same entry function (runCommandLine) runs inside another process
 * exactly as it runs on its own.
 */
export interface CliStreams {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** For the config lookup ($CANTHO_MAIL_CONFIG) and $CANTHO_MAIL_DEBUG. */
  readonly env: NodeJS.ProcessEnv;
  /** 0, or 1 once a command has failed. */
  exitCode: number;
}

/** bin/cantho-mail.mjs: the process's own streams and environment. */
export function processStreams(): CliStreams {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, exitCode: 0 };
}

const streamsOfProgram = new WeakMap<Command, CliStreams>();

/** Ties a program to its streams; every command of it finds them with streamsOf(command). */
export function attachStreams(program: Command, streams: CliStreams): void {
  streamsOfProgram.set(program, streams);
}

export function streamsOf(command: Command): CliStreams {
  let root = command;
  while (root.parent) root = root.parent;
  const streams = streamsOfProgram.get(root);
  if (!streams) throw new Error(`command ${command.name()} belongs to a program without streams`);
  return streams;
}
