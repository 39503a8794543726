import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodedMetaCache, preloadEncodedMeta } from '../../src/imap/fetch/meta-cache.js';
import { asUid } from '../../src/store/types.js';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
beforeAll(async () => {
  bed = await startMessageTestBed();
});
afterAll(async () => {
  await bed?.close();
});

describe('encoded ENVELOPE/BODYSTRUCTURE kept in the store (first sync after a restart)', () => {
  it('saves what the first FETCH encoded, in the form FETCH sends', async () => {
    const uid = await bed.deliver(textMessage('Lưu bộ nhớ đệm'));
    const inbox = (await bed.store.getMailbox(bed.account, 'INBOX'))!;
    expect((await bed.store.protocolCache(inbox.id, [asUid(uid)])).size).toBe(0);
    const client = await bed.login('INBOX');
    const reply = await client.command('F', `UID FETCH ${uid} (ENVELOPE BODYSTRUCTURE)`);
    const saved = (await bed.store.protocolCache(inbox.id, [asUid(uid)])).get(asUid(uid))!;
    const [, envelope, bodyStructure] = JSON.parse(saved) as [number, string, string];
    // The envelope holds literals (Vietnamese text), so the reply spans lines.
    expect(reply.slice(0, -1).join('\r\n')).toBe(`* 1 FETCH (UID ${uid} ENVELOPE ${envelope} BODYSTRUCTURE ${bodyStructure})`);
  });

  it('answers FETCH from the saved encoding when memory has none, as after a restart', async () => {
    const uid = await bed.deliver(textMessage('Sau khi khởi động lại'));
    const inbox = (await bed.store.getMailbox(bed.account, 'INBOX'))!;
    const [row] = await bed.store.getMessages(inbox.id, [asUid(uid)]);
    // A marker no encoder would write: seen in the reply only if FETCH read the stored entry.
    const marker = { envelope: '(NIL "from-the-store" NIL NIL NIL NIL NIL NIL NIL NIL)', bodyStructure: '("TEXT" "PLAIN" NIL NIL NIL "8BIT" 1 1)', headerSize: 10 };
    await bed.store.saveProtocolCache([{ blob: row!.blobId, text: EncodedMetaCache.serialize(marker) }]);
    const client = await bed.login('INBOX');
    expect((await client.command('F', `UID FETCH ${uid} (ENVELOPE)`))[0]).toBe(`* 2 FETCH (UID ${uid} ENVELOPE ${marker.envelope})`);
  });

  it('preloads the saved encodings into memory at start-up, newest first, never past the cache size', async () => {
    const first = await bed.deliver(textMessage('Nạp trước một'));
    const second = await bed.deliver(textMessage('Nạp trước hai'));
    const inbox = (await bed.store.getMailbox(bed.account, 'INBOX'))!;
    const [older, newer] = await bed.store.getMessages(inbox.id, [asUid(first), asUid(second)]);
    const entry = (subject: string) => ({ envelope: `(NIL "${subject}" NIL NIL NIL NIL NIL NIL NIL NIL)`, bodyStructure: '("TEXT" "PLAIN" NIL NIL NIL "8BIT" 1 1)', headerSize: 10 });
    await bed.store.saveProtocolCache([
      { blob: older!.blobId, text: EncodedMetaCache.serialize(entry('older')) },
      { blob: newer!.blobId, text: EncodedMetaCache.serialize(entry('newer')) },
    ]);

    const roomy = new EncodedMetaCache();
    expect(await preloadEncodedMeta(bed.store, roomy, () => false)).toBeGreaterThanOrEqual(2);
    expect(roomy.get(older!.blobId)).toEqual(entry('older'));
    expect(roomy.get(newer!.blobId)).toEqual(entry('newer'));

    // Room for one entry: the newest body's goes in, and then the preload stops.
    const small = new EncodedMetaCache(entry('newer').envelope.length + entry('newer').bodyStructure.length);
    expect(await preloadEncodedMeta(bed.store, small, () => false)).toBe(1);
    expect(small.get(newer!.blobId)).toEqual(entry('newer'));
    expect(small.get(older!.blobId)).toBeUndefined();
  });
});
