import type { DirectoryEntry } from '../directory/index.js';
import { DirectorySearchIndex } from '../directory/index.js';

/**
 * The directory as the site searches it, built on first use and dropped whenever the directory
 * may have changed (a 'changed' event in this process, an external commit by the CLI): a city's
 * directory changes a few times a day and is searched far more often, and folding ten thousand
 * names for every search would hold the event loop that IMAP and SMTP share.
 */
export class DirectoryCache {
  private index: DirectorySearchIndex | null = null;

  constructor(private readonly load: () => DirectoryEntry[]) {}

  get(): DirectorySearchIndex {
    this.index ??= new DirectorySearchIndex(this.load());
    return this.index;
  }

  invalidate(): void {
    this.index = null;
  }
}
