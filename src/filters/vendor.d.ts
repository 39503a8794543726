/** The parts of untyped packages src/filters uses. */

declare module 'libmime' {
  /** CommonJS: one instance as module.exports, so only a default import works under Node ESM. */
  const libmime: {
    /** RFC 2047: decodes encoded-words in a header value. */
    decodeWords(value: string): string;
  };
  export default libmime;
}

declare module 'clamscan' {
  import type { Readable } from 'node:stream';

  interface ClamdscanSettings {
    socket?: string | false;
    host?: string | false;
    port?: number | false;
    timeout?: number;
    localFallback?: boolean;
    active?: boolean;
    bypassTest?: boolean;
  }
  interface NodeClamOptions {
    removeInfected?: boolean;
    debugMode?: boolean;
    scanLog?: string | null;
    clamscan?: { active?: boolean };
    clamdscan?: ClamdscanSettings;
    preference?: 'clamscan' | 'clamdscan';
  }
  export interface ScanResult {
    /** null: clamd answered something that is neither OK nor FOUND. */
    isInfected: boolean | null;
    viruses: string[];
    resultString?: string;
    timeout?: boolean;
  }
  export default class NodeClam {
    init(options: NodeClamOptions): Promise<NodeClam>;
    scanStream(stream: Readable): Promise<ScanResult>;
  }
}
