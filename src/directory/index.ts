export type { DirectoryService, UnitAccess } from './api.js';
export * from './types.js';
export { Directory, type DirectoryOptions } from './directory.js';
export type { DirectoryAdmin } from './admin.js';
export type { LoginStats, PasswordCheckStats } from './login-flow.js';
export type { AccountProvisioner, ChangeRequest, DirectoryContext } from './context.js';
export { diligenceUnits, setUnitDiligence, unitDiligence, type DiligenceChange, type DiligenceUnit } from './unit-diligence.js';
export { addUnit, setUnitHead, setSeenMode, suspendUnit, resumeUnit, showUnit, listUnits, SEEN_MODES, type SeenMode, type UnitDetails, type UnitInput } from './units.js';
export {
  addPerson,
  transferPerson,
  retirePerson,
  resetPassword,
  showPerson,
  listPersons,
  type PersonDetails,
  type PersonInput,
  type PasswordIssued,
} from './persons.js';
export { delegateAuditEntry, messageRef, MAX_LISTED_MESSAGES, type DelegateAction, type DelegateActionInput, type MessageRef } from './delegate-actions.js';
export { changeUnitAcl, unitAcl, type AclChange, type AclEntry } from './acl.js';
export { grantDelegation, revokeDelegation, listDelegations, type GrantInput } from './delegations.js';
export { recordViolation, listViolations, type ViolationView } from './violations.js';
export type { AuditQuery, AuditRow } from './audit-log.js';
export type { DelegationView, PersonView, UnitView } from './views.js';
export { PRODUCTION_ARGON2 } from './password.js';
export { accountOf, localPartOf, parseLocalAddress, requireLocalAddress } from './address.js';
export { DEFAULT_SEARCH_LIMIT, DirectorySearchIndex, withoutSuspendedUnits, type DirectoryEntry } from './directory-search.js';
export { NoticeAlreadySent, type PendingNotice, type PendingReport, type PendingWarning } from './notice-outbox.js';
export type { PasswordChangeFailure } from './password-change.js';
export { MIN_PASSWORD_LENGTH } from './password.js';
export type { ReleaseOutcome, RetentionDue } from './purge.js';
export { VCARD_CONTENT_TYPE, toVCard, toVCards } from './vcard.js';
export type { BookCards, CardChange } from './address-book-log.js';
