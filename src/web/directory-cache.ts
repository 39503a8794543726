import type { DirectoryEntry } from '../directory/index.js';
import { DirectorySearchIndex } from '../directory/index.js';
import { BuiltOnDemand } from '../limits/index.js';

/**
 * The directory as the site searches it, built on first use and dropped whenever the directory
 * may have changed (a 'changed' event in this process, an external commit by the CLI): a city's
 * directory changes a few times a day and is searched far more often, and folding ten thousand
 * names for every search would hold the event loop that IMAP and SMTP share.
 */
export class DirectoryCache {
  private readonly index: BuiltOnDemand<DirectorySearchIndex>;

  constructor(load: () => DirectoryEntry[]) {
    this.index = new BuiltOnDemand(() => DirectorySearchIndex.build(load()));
  }

  /** Built in time slices (DirectorySearchIndex.build); a search during a build waits for it. */
  get(): Promise<DirectorySearchIndex> {
    return this.index.get();
  }

  invalidate(): void {
    this.index.invalidate();
  }
}
