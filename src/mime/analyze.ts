import { buildSearchText } from './search-text.js';
import { parseMessage } from './structure.js';
import type { MessageAnalysis } from './types.js';

/** The analysis stored beside each message (src/mime/index.ts): computed once, at delivery. */
export function analyzeMessage(raw: Buffer): MessageAnalysis {
  const { envelope, structure } = parseMessage(raw);
  return {
    envelope,
    structure,
    headerSize: structure.bodyStart,
    searchText: buildSearchText(raw, envelope, structure),
  };
}
