/**
 * C library functions Node does not expose (setsockopt's TCP_QUICKACK in src/tcp, malloc_trim in
 * src/limits), called through koffi: a maintained FFI package with prebuilt binaries, so no native
 * code of ours and nothing compiled at install.
 */
import { createRequire } from 'node:module';

/**
 * The libc function the process already links, by its C declaration ("int malloc_trim(size_t
 * pad)"); null elsewhere than Linux or when it or the FFI cannot be loaded (e.g. musl lacks
 * malloc_trim), so callers fall back to doing without.
 */
export function libcFunction<T>(declaration: string): T | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    return koffi.load(null).func(declaration) as T;
  } catch {
    return null;
  }
}
