/**
 * The keywords a unit INBOX message gets when someone acts on it (Điều 9.2; docs/architecture.md
 * "Unit mailboxes"), named in the style of the IMAP keyword registry (RFC 5788) so that any IMAP
 * client shows them: `$Assigned` when it is passed on (`unit assign`, the web page's "Giao xử lý"),
 * `$Handled` when the unit marks it dealt with (the web page's "Đã xử lý", or any client's STORE).
 */
export const ASSIGNED_KEYWORD = '$Assigned';
export const HANDLED_KEYWORD = '$Handled';
