/** src/smtp: the MX and submission listeners and the outbound queue worker (see docs/architecture.md "Modules"). */
export { fieldValues, prependFields, removeFields } from './headers.js';
export { INSPECT_INBOUND, INSPECT_SUBMISSION, startSmtp, type SmtpStartOptions } from './server.js';
