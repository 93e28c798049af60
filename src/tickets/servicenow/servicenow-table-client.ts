import { TicketProviderUnavailableError } from '../ticket-provider';
import { ServiceNowAuthorization, type ServiceNowCredentials } from './servicenow-authorization';

/** With sysparm_display_value=all every field arrives as {display_value, value}, both strings (anything else is ignored). */
export type ServiceNowRow = Record<string, { display_value?: unknown; value?: unknown } | undefined>;

/**
 * ServiceNow's Table API with the instance's credentials. Any failure to reach it or to read its answer is
 * TicketProviderUnavailableError; an OAuth token it stops accepting is renewed once per call.
 */
export class ServiceNowTableClient {
  private readonly authorization: ServiceNowAuthorization;

  constructor(
    private readonly instanceUrl: string,
    credentials: ServiceNowCredentials,
    private readonly timeoutMs: number,
  ) {
    this.authorization = new ServiceNowAuthorization(instanceUrl, credentials, timeoutMs);
  }

  async list(table: string, query: Record<string, string>): Promise<ServiceNowRow[]> {
    const url = new URL(`${this.instanceUrl}/api/now/table/${table}`);
    const params = { ...query, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await this.send(url, { method: 'GET' });
    if (response.status === 404) return [];
    if (!response.ok) throw new TicketProviderUnavailableError(`ServiceNow answered ${response.status} for ${table}`);
    const result = (await readJson(response, table)).result;
    if (!Array.isArray(result))
      throw new TicketProviderUnavailableError(`ServiceNow's answer for ${table} has no result list`);
    return result.filter((row): row is ServiceNowRow => row !== null && typeof row === 'object');
  }

  /** PATCH one record; ServiceNow's 200 body is not needed, so it is not asked for. */
  async patch(table: string, sysId: string, fields: Record<string, string>): Promise<void> {
    const url = new URL(`${this.instanceUrl}/api/now/table/${table}/${encodeURIComponent(sysId)}`);
    const response = await this.send(url, {
      method: 'PATCH',
      body: JSON.stringify(fields),
      headers: { 'content-type': 'application/json', 'x-no-response-body': 'true' },
    });
    await response.body?.cancel();
    if (!response.ok)
      throw new TicketProviderUnavailableError(`ServiceNow answered ${response.status} to the PATCH of ${table}`);
  }

  private async send(
    url: URL,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<Response> {
    let response = await this.fetch(url, init);
    if (response.status === 401 && this.authorization.renewable) {
      // An OAuth token can be revoked or expire early: one new token, one more try.
      this.authorization.forget();
      await response.body?.cancel();
      response = await this.fetch(url, init);
    }
    if (response.status === 401) this.authorization.forget();
    return response;
  }

  private async fetch(
    url: URL,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        headers: { accept: 'application/json', ...init.headers, authorization: await this.authorization.header() },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (error instanceof TicketProviderUnavailableError) throw error;
      throw new TicketProviderUnavailableError(`ServiceNow did not answer: ${(error as Error).name}`);
    }
  }
}

async function readJson(response: Response, table: string): Promise<{ result?: unknown }> {
  try {
    // The timeout signal covers the body too: a stall mid-body ends here.
    const body = await response.json();
    return body !== null && typeof body === 'object' ? body : {};
  } catch (error) {
    throw new TicketProviderUnavailableError(
      `ServiceNow's answer for ${table} could not be read as JSON (${response.headers.get('content-type') ?? 'no content type'}): ${(error as Error).name}`,
    );
  }
}
