// Errors of the audit that are the caller's doing (unknown rule ids, unreadable baselines): the CLI turns
// them into one message and exit code 2. Told apart by `code`, never by message.
export type AuditErrorCode = 'PCL_AUDIT_UNKNOWN_RULE' | 'PCL_AUDIT_BAD_BASELINE' | 'PCL_AUDIT_BAD_OPTION';

export class AuditUsageError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string) {
    super(message);
    this.name = 'AuditUsageError';
    this.code = code;
  }
}
