import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/**
 * An S3-compatible store on 127.0.0.1 for the replica tests: s3rver 3.7 (a fake S3 server in
 * Node, keeping objects in a temp directory), path-style, with its one key pair S3_ACCESS_KEY
 * (a request signed with another is refused: InvalidAccessKeyId).
 *
 * One correction to it, in its listing with a delimiter (ListObjects `delimiter=/`): its file
 * store skips every directory that lies below a would-be common prefix before looking inside,
 * so a common prefix is reported only when an object sits directly under it. Amazon S3, MinIO
 * and Ceph report `p/x/` for `prefix=p/` as soon as any key starts with `p/x/`. Litestream 0.3
 * lists its generations that way (`<path>/generations/` with `/`) and keeps no object directly
 * under `generations/<id>/` (only under `snapshots/` and `wal/`), so with s3rver as shipped
 * `litestream restore` and `generations` find nothing ("no matching backups found") although
 * replication writes every object. Here the listing is computed from the full key list, as S3
 * defines it; nothing else of s3rver is changed.
 */

/** The only credentials s3rver knows. */
export const S3_ACCESS_KEY = { id: 'S3RVER', secret: 'S3RVER' } as const;

export interface RunningS3 {
  /** `http://127.0.0.1:PORT`: the `[replica] endpoint`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps the bucket's objects (one directory per key prefix). */
  readonly directory: string;
  stop(): Promise<void>;
}

export async function startS3(bucket = 'cantho-mail-replica'): Promise<RunningS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'cm-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const store = s3.store;
  const listAll = store.listObjects.bind(store);
  store.listObjects = async (name, options) => {
    const { delimiter = '', prefix = '', maxKeys = Infinity } = options;
    if (delimiter === '') return listAll(name, options);
    const all = await listAll(name, { ...options, delimiter: '', maxKeys: Infinity });
    const commonPrefixes = new Set<string>();
    const objects = all.objects.filter((object) => {
      const at = object.key.indexOf(delimiter, prefix.length);
      if (at === -1) return true;
      commonPrefixes.add(object.key.slice(0, at + delimiter.length));
      return false;
    });
    return { objects: objects.slice(0, maxKeys), commonPrefixes: [...commonPrefixes].sort(), isTruncated: objects.length > maxKeys };
  };
  const { port } = await s3.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory: path.join(directory, bucket),
    async stop() {
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
