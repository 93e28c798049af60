import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';

/** Why a token was refused; recorded on the attempt and returned as `reason`, never with the token itself. */
export type AuthenticationFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'unsupported_algorithm'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'tenant_not_allowed'
  | 'missing_claims'
  | 'keys_unavailable';

const DETAILS: Record<AuthenticationFailureReason, string> = {
  missing_token: 'Send an Entra ID access token as "Authorization: Bearer <token>".',
  malformed_token: 'The bearer token is not a well-formed JWT.',
  unsupported_algorithm: 'Only RS256-signed tokens are accepted.',
  invalid_signature: 'The token signature does not verify against the issuer keys.',
  expired: 'The token has expired.',
  not_yet_valid: 'The token is not valid yet.',
  wrong_issuer: 'The token was issued by an issuer this gate does not trust.',
  wrong_audience: 'The token was issued for another audience.',
  tenant_not_allowed: 'The token comes from a tenant that is not allowed.',
  missing_claims: 'The token lacks the oid or tid claim.',
  keys_unavailable: 'The issuer signing keys could not be fetched.',
};

export function authenticationFailed(reason: AuthenticationFailureReason): ProblemError {
  return new ProblemError(ProblemCode.Unauthenticated, DETAILS[reason], { reason });
}
