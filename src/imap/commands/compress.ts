import { ImapError } from '../errors.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 4978 §3 COMPRESS DEFLATE: compression starts right after the tagged OK (compress.ts). A
 * second COMPRESS is `NO [COMPRESSIONACTIVE]`; an unknown mechanism is BAD.
 */
export const compress: CommandHandler = (session, { args }) => {
  args.space();
  const mechanism = args.keyword();
  args.end();
  if (mechanism !== 'DEFLATE') throw new ImapError('BAD', null, `Unknown compression mechanism ${mechanism.slice(0, 20)}`);
  if (session.compressed) throw new ImapError('NO', 'COMPRESSIONACTIVE', 'DEFLATE is already active');
  return { text: 'DEFLATE active', after: async () => session.startCompression() };
};
