/** The part of s3rver 3 (a fake S3 server, no types of its own) that test/helpers/s3rver.ts uses. */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: Array<{ name: string }>;
  }

  interface ListedObject {
    readonly key: string;
  }

  interface ListOptions {
    delimiter?: string;
    prefix?: string;
    maxKeys?: number;
    startAfter?: string;
  }

  interface Listing<O extends ListedObject> {
    objects: O[];
    commonPrefixes: string[];
    isTruncated: boolean;
  }

  interface FilesystemStore {
    listObjects(bucket: string, options: ListOptions): Promise<Listing<ListedObject>>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    readonly store: FilesystemStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
