import { TicketProviderUnavailableError } from '../ticket-provider';

export type ServiceNowCredentials =
  { kind: 'basic'; username: string; password: string } | { kind: 'oauth'; clientId: string; clientSecret: string };

const RENEW_BEFORE_EXPIRY_MS = 60_000;

/** Produces the Authorization header for the Table API: Basic, or a client-credentials token cached until near expiry. */
export class ServiceNowAuthorization {
  private cached?: { header: string; expiresAt: number };

  constructor(
    private readonly instanceUrl: string,
    private readonly credentials: ServiceNowCredentials,
    private readonly timeoutMs: number,
  ) {}

  async header(): Promise<string> {
    if (this.credentials.kind === 'basic') {
      const { username, password } = this.credentials;
      return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.header;
    this.cached = await this.fetchToken(this.credentials);
    return this.cached.header;
  }

  /** Only an OAuth token can be renewed; basic credentials would fail the same way again. */
  get renewable(): boolean {
    return this.credentials.kind === 'oauth';
  }

  forget(): void {
    this.cached = undefined;
  }

  private async fetchToken(credentials: {
    clientId: string;
    clientSecret: string;
  }): Promise<{ header: string; expiresAt: number }> {
    const response = await fetch(`${this.instanceUrl}/oauth_token.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch(() => undefined);
    if (!response?.ok)
      throw new TicketProviderUnavailableError(`ServiceNow token endpoint answered ${response?.status ?? 'nothing'}`);
    const body = (await response.json().catch(() => null)) as {
      access_token?: unknown;
      expires_in?: number | string;
    } | null;
    if (typeof body?.access_token !== 'string')
      throw new TicketProviderUnavailableError('ServiceNow token endpoint returned no access_token');
    const lifetimeMs = Number(body.expires_in ?? 0) * 1000;
    return { header: `Bearer ${body.access_token}`, expiresAt: Date.now() + lifetimeMs - RENEW_BEFORE_EXPIRY_MS };
  }
}
