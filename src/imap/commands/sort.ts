import { parseSort } from '../search/parse.js';
import { esearchData } from '../search/results.js';
import type { CommandHandler } from './handler.js';
import { keepLive, runSearch } from './search.js';

/**
 * RFC 5256 §3 SORT and UID SORT: `* SORT 5 3 4` in the order of the criteria (sort.ts has the keys
 * and the collation), with RFC 5957 DISPLAYFROM / DISPLAYTO; with RETURN (…) the answer is RFC 5267
 * §3.2 ESEARCH (ALL in sort order, MIN and MAX the first and last sorted), RETURN (SAVE) keeps
 * the matches for `$` (RFC 5182), RETURN (PARTIAL) answers a window of the sorted result and
 * RETURN (UPDATE) keeps it live with positions in sort order (RFC 5267 §4.4, §4.3).
 */
export const sort: CommandHandler = async (session, { tag, uid, args }) => {
  const selected = session.requireSelected();
  const query = parseSort(args);
  const order = { kind: 'sort', criteria: query.criteria } as const;
  const { seqs } = await runSearch(session, selected, query.key, order, query.returns);
  const results = uid ? seqs.map((seq) => selected.uidAt(seq)!) : seqs;
  if (query.returns) {
    if (query.returns.has('UPDATE')) keepLive(session, selected, { tag, uid, key: query.key, order, returns: query.returns }, seqs);
    const data = esearchData(tag, uid, query.returns, query.partial, results, null);
    if (data) session.out.untagged('ESEARCH', ...data);
  } else {
    // Built as text: a result may have 100,000 numbers.
    session.out.untagged(results.length > 0 ? `SORT ${results.join(' ')}` : 'SORT');
  }
  return { text: `${uid ? 'UID SORT' : 'SORT'} completed` };
};
