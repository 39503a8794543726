import { describeDigests } from './digest-cases.js';

describeDigests('SQLite', async () => ({}));
