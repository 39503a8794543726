import type { Config } from '../config/index.js';
import { scoreVerdict, type Filter } from './filter.js';
import { domainSkeleton, lookalikeChecker, skeleton } from './lookalike.js';
import type { MessageView } from './message.js';
import type { VerdictReason } from './verdict.js';

/**
 * Mail from outside dressed as mail from inside: its From: shows an official's (or a unit's) name,
 * or one of our addresses, as the display name; or its From: domain is a look-alike of ours
 * (lookalike.ts). Such mail gets `[spam] impersonation_score` and, so that the reader sees it,
 * `[spam] impersonation_tag` before its Subject and an `X-Impersonation` header naming the trick,
 * and `[spam] impersonation_banner` as the first line of its text (src/smtp/banner.ts).
 *
 * Only the MX's mail (direction "inbound"): an official's own mail comes through submission,
 * whose From: policy already allows only their own addresses. Names are compared by skeleton, so
 * "Nguyen Van An", "NGUYỄN VĂN AN" and "Nguyễn Vаn An" with a Cyrillic а are all Nguyễn Văn An;
 * a name must have two words at least to count (a given name alone is everybody's).
 */

/** The names of the units and persons in service, as the directory has them (re-read when it changes). */
export type OfficialNames = () => readonly string[];

export function createImpersonationFilter(spam: Config['spam'], localDomains: readonly string[], officialNames: OfficialNames): Filter {
  const names = skeletonsOf(officialNames);
  const ourSkeletons = localDomains.map((domain) => domainSkeleton(domain).replace(/[.\-]/g, ''));
  const lookalikeOfOurs = lookalikeChecker(localDomains);
  return {
    name: 'impersonation',
    async check(message, context) {
      if (context.direction !== 'inbound') return { verdict: scoreVerdict([]) };
      const tricks = impersonationTricks(message.facts, lookalikeOfOurs, ourSkeletons, names());
      if (tricks.length === 0) return { verdict: scoreVerdict([]) };
      const reasons: VerdictReason[] = [{ id: 'impersonation', score: spam.impersonation_score, description: tricks.join('; ') }];
      const verdict = scoreVerdict(reasons, [['X-Impersonation', tricks.join('; ')]]);
      const banner = spam.impersonation_banner === '' ? {} : { banner: spam.impersonation_banner };
      return { verdict: { ...verdict, subjectTag: spam.impersonation_tag === '' ? null : spam.impersonation_tag, ...banner } };
    },
  };
}

/** Each way this From: poses as us; empty when it does not. */
export function impersonationTricks(
  view: Pick<MessageView, 'from' | 'fromAddress'>,
  lookalikeOfOurs: (domain: string) => string | null,
  ourSkeletons: readonly string[],
  names: ReadonlySet<string>,
): string[] {
  const tricks: string[] = [];
  const name = displayNameOf(view.from);
  // A bare address (`From: <x@example.org>`) shows no name: nothing to read a skeleton of.
  const display = name === '' ? '' : skeleton(name).replace(/\s+/g, ' ').trim();
  if (display !== '') {
    const words = ` ${display.replace(/[^\p{L}\p{N}@.]+/gu, ' ')} `;
    for (const name of names) {
      if (words.includes(` ${name} `)) {
        tricks.push('display name is an official\u2019s name');
        break;
      }
    }
    const runTogether = display.replace(/[\s.\-]/g, '');
    if (ourSkeletons.some((own) => runTogether.includes(own))) tricks.push('display name shows our domain');
  }
  const at = view.fromAddress.lastIndexOf('@');
  const lookalike = at === -1 ? null : lookalikeOfOurs(view.fromAddress.slice(at + 1));
  if (lookalike) tricks.push(`From: domain is a look-alike (${lookalike})`);
  return tricks;
}

/** `"Nguyễn Văn An" <x@evil.example>` → `Nguyễn Văn An`; `x@evil.example (An)` → `An`; a bare address → "". */
function displayNameOf(from: string): string {
  const angle = from.lastIndexOf('<');
  if (angle !== -1) return from.slice(0, angle).replace(/^\s*"|"\s*$/g, '');
  const comment = /\(([^)]*)\)/.exec(from);
  return comment ? comment[1]! : '';
}

/** The skeletons of the names of two words or more, recomputed only when the directory's list changes. */
function skeletonsOf(officialNames: OfficialNames): () => ReadonlySet<string> {
  let source: readonly string[] | null = null;
  let skeletons: ReadonlySet<string> = new Set();
  return () => {
    const current = officialNames();
    if (current !== source) {
      source = current;
      skeletons = new Set(current.map((name) => skeleton(name).replace(/\s+/g, ' ').trim()).filter((name) => name.includes(' ')));
    }
    return skeletons;
  };
}
