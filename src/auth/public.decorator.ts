import { SetMetadata } from '@nestjs/common';

export const AUTHENTICATION_METADATA = 'authentication';
export type AuthenticationMode = 'public' | 'by-use-case';

/** Health, docs: no token needed. */
export const Public = () => SetMetadata(AUTHENTICATION_METADATA, 'public' satisfies AuthenticationMode);

/**
 * The use case authenticates the caller itself, as its first step, so that refused callers are audited too.
 * The route is still not public: a call without a valid token is refused, after being recorded.
 */
export const AuthenticatedByUseCase = () =>
  SetMetadata(AUTHENTICATION_METADATA, 'by-use-case' satisfies AuthenticationMode);
