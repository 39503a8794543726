import type { MailStore } from '../../../src/store/index.js';

/** One store of the backend under test, empty, with its own data; cleanup closes and removes it. */
export interface StoreBackend {
  readonly store: MailStore;
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty store of the backend under test (docs/architecture.md "Store": what a backend implements). */
export type OpenBackend = () => Promise<StoreBackend>;
