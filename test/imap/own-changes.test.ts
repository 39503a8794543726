import { openTestStore } from '../store/helpers.js';
import { describeOwnChanges } from './own-changes-cases.js';

describeOwnChanges('SQLite', async () => openTestStore());
