import { createReadStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';

/**
 * clamd's INSTREAM command (clamd(8), "INSTREAM"): `zINSTREAM\0`, then the data as chunks, each
 * preceded by its length as a 4-byte unsigned big-endian integer, then a zero length. clamd
 * answers one NUL-terminated line: `stream: OK`, `stream: <signature> FOUND`, or an error such as
 * `INSTREAM size limit exceeded. ERROR`. Scans go over sessions kept open between messages
 * (clamd-sessions.ts), and the whole request leaves in one corked write, so clamd wakes once to
 * read it — on a loaded machine every extra wake-up of clamd's thread is a scheduling delay per
 * message.
 */
export type ClamdTarget = { readonly socket: string } | { readonly host: string; readonly port: number };

export type ClamdAnswer =
  | { readonly kind: 'clean' }
  | { readonly kind: 'infected'; readonly signature: string }
  /** Anything else clamd said (an ERROR line, a truncated answer). */
  | { readonly kind: 'unexpected'; readonly answer: string };

/** Size of the length-prefixed chunks: few prefixes for a large message, each chunk far below StreamMaxLength. */
const CHUNK = 64 * 1024;
const COMMAND = Buffer.from('zINSTREAM\0', 'latin1');
const END = Buffer.alloc(4);

/** A new connection to clamd; its errors (clamd down, connection reset) come as the socket's 'error'. */
export function connectClamd(target: ClamdTarget): net.Socket {
  return 'socket' in target ? net.createConnection({ path: target.socket }) : net.createConnection({ host: target.host, port: target.port });
}

/** Writes one INSTREAM request for `data`; the caller corks the socket around it. */
export function writeInstream(socket: net.Socket, data: Buffer): void {
  socket.write(COMMAND);
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    const chunk = data.subarray(offset, offset + CHUNK);
    socket.write(lengthOf(chunk));
    socket.write(chunk);
  }
  socket.write(END);
}

/**
 * INSTREAM of a file (a message spooled to disk, src/limits) on a connection of its own, read a
 * CHUNK at a time as clamd takes it (the socket's backpressure), so a 25 MB message is never in
 * our memory whole. clamd answers and closes the connection; a read error closes it too, and the
 * answer then rejects, as for clamd going away.
 */
export function scanInstreamFile(target: ClamdTarget, file: string): { answer: Promise<ClamdAnswer>; abort(): void } {
  const socket = connectClamd(target);
  const answer = new Promise<ClamdAnswer>((resolve, reject) => {
    const received: Buffer[] = [];
    const answered = () => parseAnswer(Buffer.concat(received).toString('utf8'));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // clamd may answer and close before it has read everything (`size limit exceeded`): then our
    // write fails, and its answer is what counts.
    socket.on('error', (err) => (received.length > 0 ? resolve(answered()) : reject(err)));
    socket.on('close', () => resolve(answered()));
  });
  const source = createReadStream(file, { highWaterMark: CHUNK });
  async function* framed(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    yield COMMAND;
    for await (const chunk of chunks) {
      yield lengthOf(chunk);
      yield chunk;
    }
    yield END;
  }
  // The pipeline's own failure only destroys the socket, which settles the answer.
  pipeline(source, framed, socket, { end: false }).catch((err: unknown) => socket.destroy(err as Error));
  return {
    answer,
    abort: () => {
      source.destroy();
      socket.destroy();
    },
  };
}

/** A chunk's 4-byte big-endian length prefix. */
function lengthOf(chunk: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(chunk.length);
  return length;
}

/** How `[clamav]` names clamd: TCP when `host` is set, else the unix socket. */
export function clamdTarget(clamav: { readonly socket: string; readonly host: string; readonly port: number }): ClamdTarget {
  return clamav.host !== '' ? { host: clamav.host, port: clamav.port } : { socket: clamav.socket };
}

export function describeClamdTarget(target: ClamdTarget): string {
  return 'socket' in target ? target.socket : `${target.host}:${target.port}`;
}

/**
 * clamd(8) "PING": answers `PONG`. Resolves null when clamd answered, else the problem in one line
 * (ENOENT, ECONNREFUSED, no answer within `timeoutMs`); never rejects.
 */
export function pingClamd(target: ClamdTarget, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connectClamd(target);
    let received = '';
    const finish = (problem: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => finish(`no answer to PING within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(`${err.code ?? 'error'}: ${err.message.split('\n')[0]}`));
    socket.on('close', () => finish(received.replace(/\0/g, '').trim() === 'PONG' ? null : `unexpected answer to PING: ${JSON.stringify(received.slice(0, 80))}`));
    socket.end('zPING\0');
  });
}

/** One answer to INSTREAM, its NUL and anything after it ignored. */
export function parseAnswer(text: string): ClamdAnswer {
  const line = text.replace(/\0[\s\S]*$/, '').trim();
  if (line === 'stream: OK') return { kind: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) return { kind: 'infected', signature: found[1]! };
  return { kind: 'unexpected', answer: line };
}
