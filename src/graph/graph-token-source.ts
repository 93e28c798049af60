import type { AccessToken, TokenCredential } from '@azure/identity';

const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Hands out the app token for Graph. @azure/identity caches it too, but asking it costs MSAL's whole cache
 * lookup on every call; the token is kept here until five minutes before it expires (or until Entra's
 * refresh_in says so), and concurrent callers share one renewal.
 */
export class GraphTokenSource {
  private current?: AccessToken;
  private renewal?: Promise<AccessToken>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}

  async token(timeoutMs: number): Promise<string> {
    if (this.current && Date.now() < renewalTime(this.current)) return this.current.token;
    this.renewal ??= this.renew(timeoutMs).finally(() => {
      this.renewal = undefined;
    });
    return (await this.renewal).token;
  }

  private async renew(timeoutMs: number): Promise<AccessToken> {
    // The client-secret credential ignores the abort signal and MSAL retries a failing endpoint for seconds:
    // the race is what bounds the wait. A late answer still fills the cache for the next caller.
    const pending = this.credential
      .getToken(this.scope, { abortSignal: AbortSignal.timeout(timeoutMs) })
      .then((accessToken) => {
        if (!accessToken) throw new Error('the credential returned no token');
        this.current = accessToken;
        return accessToken;
      });
    return Promise.race([pending, rejectAfter(timeoutMs)]);
  }
}

function rejectAfter(timeoutMs: number): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`the token endpoint did not answer within ${timeoutMs} ms`)), timeoutMs).unref();
  });
}

function renewalTime(token: AccessToken): number {
  return Math.min(token.refreshAfterTimestamp ?? Infinity, token.expiresOnTimestamp - RENEW_BEFORE_EXPIRY_MS);
}
