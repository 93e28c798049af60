import type { ChangeTicket } from '../change-ticket';
import { TicketProvider, TicketProviderUnavailableError } from '../ticket-provider';
import { ServiceNowAuthorization, type ServiceNowCredentials } from './servicenow-authorization';

/** With sysparm_display_value=all every field arrives as {display_value, value}, both strings (anything else is ignored). */
type Row = Record<string, { display_value?: unknown; value?: unknown } | undefined>;

const valueOf = (row: Row, field: string): string | undefined => textOrUndefined(row[field]?.value);
const labelOf = (row: Row, field: string): string | undefined => textOrUndefined(row[field]?.display_value);
const textOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const CHANGE_FIELDS = 'sys_id,number,state,approval,start_date,end_date,short_description';

/** Reads change requests and their affected CIs through the ServiceNow Table API. */
export class ServiceNowTicketProvider extends TicketProvider {
  private readonly authorization: ServiceNowAuthorization;

  constructor(
    private readonly instanceUrl: string,
    credentials: ServiceNowCredentials,
    private readonly timeoutMs: number,
  ) {
    super();
    this.authorization = new ServiceNowAuthorization(instanceUrl, credentials, timeoutMs);
  }

  async findChange(number: string): Promise<ChangeTicket | null> {
    // The Table API silently ignores malformed query parts, so a number that could alter the query is never sent.
    if (/[\^=@]/.test(number)) return null;
    const rows = await this.table('change_request', { sysparm_query: `number=${number}`, sysparm_fields: CHANGE_FIELDS, sysparm_limit: '1' });
    const row = rows.find((candidate) => valueOf(candidate, 'number') === number);
    if (!row) return null;
    const sysId = valueOf(row, 'sys_id') ?? '';
    return {
      number,
      source: 'servicenow',
      state: labelOf(row, 'state') ?? valueOf(row, 'state') ?? '',
      stateValue: valueOf(row, 'state'),
      approval: valueOf(row, 'approval') ?? '',
      plannedStart: parseServiceNowUtc(valueOf(row, 'start_date')),
      plannedEnd: parseServiceNowUtc(valueOf(row, 'end_date')),
      affectedCis: sysId ? await this.affectedCiNames(sysId) : [],
      shortDescription: valueOf(row, 'short_description'),
      externalId: sysId,
    };
  }

  private async affectedCiNames(changeSysId: string): Promise<string[]> {
    const rows = await this.table('task_ci', { sysparm_query: `task=${changeSysId}`, sysparm_fields: 'ci_item', sysparm_limit: '1000' });
    return rows.map((row) => labelOf(row, 'ci_item')).filter((name): name is string => !!name);
  }

  /** Any failure to reach ServiceNow or to read its answer is TicketProviderUnavailableError: nothing was forwarded. */
  private async table(table: string, query: Record<string, string>): Promise<Row[]> {
    const url = new URL(`${this.instanceUrl}/api/now/table/${table}`);
    const params = { ...query, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    let response = await this.get(url);
    if (response.status === 401 && this.authorization.renewable) {
      // An OAuth token can be revoked or expire early: one new token, one more try.
      this.authorization.forget();
      await response.body?.cancel();
      response = await this.get(url);
    }
    if (response.status === 404) return [];
    if (response.status === 401) this.authorization.forget();
    if (!response.ok) throw new TicketProviderUnavailableError(`ServiceNow answered ${response.status} for ${table}`);
    return this.readRows(response, table);
  }

  private async get(url: URL): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { accept: 'application/json', authorization: await this.authorization.header() },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (error instanceof TicketProviderUnavailableError) throw error;
      throw new TicketProviderUnavailableError(`ServiceNow did not answer: ${(error as Error).name}`);
    }
  }

  private async readRows(response: Response, table: string): Promise<Row[]> {
    let body: { result?: unknown };
    try {
      // The timeout signal covers the body too: a stall mid-body ends here.
      body = (await response.json()) as { result?: unknown };
    } catch (error) {
      throw new TicketProviderUnavailableError(`ServiceNow's answer for ${table} could not be read as JSON (${response.headers.get('content-type') ?? 'no content type'}): ${(error as Error).name}`);
    }
    if (body === null || typeof body !== 'object' || !Array.isArray(body.result)) {
      throw new TicketProviderUnavailableError(`ServiceNow's answer for ${table} has no result list`);
    }
    return body.result.filter((row): row is Row => row !== null && typeof row === 'object');
  }
}

/** ServiceNow stores date-times as UTC "YYYY-MM-DD HH:MM:SS" without a zone. */
export function parseServiceNowUtc(value: string | undefined): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value ?? '');
  const date = match ? new Date(`${match[1]}T${match[2]}Z`) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
