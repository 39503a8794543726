import { describeReminders } from './reminder-cases.js';

describeReminders('SQLite', async () => ({}));
