import { parseSort } from '../search/parse.js';
import { esearchData } from '../search/results.js';
import type { CommandHandler } from './handler.js';
import { runSearch } from './search.js';

/**
 * RFC 5256 §3 SORT and UID SORT: `* SORT 5 3 4` in the order of the criteria (sort.ts has the keys
 * and the collation), with RFC 5957 DISPLAYFROM / DISPLAYTO; with RETURN (…) the answer is RFC 5267
 * §3.2 ESEARCH (ALL in sort order, MIN and MAX the first and last sorted), and RETURN (SAVE) keeps
 * the matches for `$` (RFC 5182).
 */
export const sort: CommandHandler = async (session, { tag, uid, args }) => {
  const selected = session.requireSelected();
  const query = parseSort(args);
  const { seqs } = await runSearch(session, selected, query.key, { kind: 'sort', criteria: query.criteria }, query.returns);
  const results = uid ? seqs.map((seq) => selected.uidAt(seq)!) : seqs;
  if (query.returns) {
    const data = esearchData(tag, uid, query.returns, results, null);
    if (data) session.out.untagged('ESEARCH', ...data);
  } else {
    // Built as text: a result may have 100,000 numbers.
    session.out.untagged(results.length > 0 ? `SORT ${results.join(' ')}` : 'SORT');
  }
  return { text: `${uid ? 'UID SORT' : 'SORT'} completed` };
};
