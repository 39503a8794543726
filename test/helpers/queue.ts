import type { Readable } from 'node:stream';
import type { OutboundQueue } from '../../src/store/index.js';

/** A recipient still waiting in the outbound queue, with its message's octets read back. */
export interface QueuedDelivery {
  readonly messageId: number;
  readonly sender: string;
  readonly to: string;
  readonly raw: string;
}

/** Everything a stream gives, joined (tests only: the server never holds a queued message whole). */
export async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A queued message's octets, read the way the worker reads them (`streamMessage`); null if there is no such message. */
export async function queuedMessageBytes(queue: OutboundQueue, messageId: number): Promise<Buffer | null> {
  const message = await queue.streamMessage(messageId);
  return message ? drain(message.stream) : null;
}

/** Every pending recipient of the queue, in queue order, each with its message as text. */
export async function pendingDeliveries(queue: OutboundQueue): Promise<QueuedDelivery[]> {
  const deliveries: QueuedDelivery[] = [];
  for (const entry of await queue.list()) {
    const raw = (await queuedMessageBytes(queue, entry.id))?.toString() ?? '';
    for (const r of entry.recipients) {
      if (r.state === 'pending') deliveries.push({ messageId: entry.id, sender: entry.sender, to: r.address, raw });
    }
  }
  return deliveries;
}
