// Why a credential was refused. The reason goes to the log and ctx.state only: the client always
// gets the same 401 body whatever it is (no oracle telling unknown, revoked and expired apart).
export type FailureReason =
  | 'malformed'
  | 'too_large'
  | 'bad_checksum'
  | 'unknown_key'
  | 'revoked'
  | 'expired'
  | 'not_yet_valid'
  | 'unknown_issuer'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'claim_invalid'
  | 'unsupported'
  | 'jwks_unavailable'
  | 'incomplete'
  | 'inactive'
  | 'untrusted_certificate'
  | 'unmapped_certificate'
  | 'certificate_mismatch'
  | 'digest_mismatch'
  | 'replayed';

export class AuthFailure extends Error {
  readonly reason: FailureReason;
  /** Extra detail for the log (a claim name, never the credential). */
  readonly about: string | undefined;
  constructor(reason: FailureReason, about?: string, options?: { cause?: unknown }) {
    super(about === undefined ? reason : `${reason}: ${about}`, options);
    this.name = 'AuthFailure';
    this.reason = reason;
    this.about = about;
  }
}

/** The credential store cannot be reached: 503, never a silent allow, never counted as a failure. */
export class AuthUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthUnavailable';
  }
}
