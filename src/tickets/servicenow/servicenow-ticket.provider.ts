import type { ChangeTicket } from '../change-ticket';
import { TicketProvider, TicketProviderUnavailableError } from '../ticket-provider';
import { ServiceNowAuthorization, type ServiceNowCredentials } from './servicenow-authorization';

/** With sysparm_display_value=all every field arrives as {display_value, value}, all strings. */
type Field = { display_value?: string; value?: string } | undefined;
type Row = Record<string, Field>;

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
    const row = rows.find((candidate) => candidate.number?.value === number);
    if (!row) return null;
    const sysId = row.sys_id?.value ?? '';
    return {
      number,
      source: 'servicenow',
      state: row.state?.display_value ?? row.state?.value ?? '',
      stateValue: row.state?.value,
      approval: row.approval?.value ?? '',
      plannedStart: parseServiceNowUtc(row.start_date?.value),
      plannedEnd: parseServiceNowUtc(row.end_date?.value),
      affectedCis: sysId ? await this.affectedCiNames(sysId) : [],
      shortDescription: row.short_description?.value,
      externalId: sysId,
    };
  }

  private async affectedCiNames(changeSysId: string): Promise<string[]> {
    const rows = await this.table('task_ci', { sysparm_query: `task=${changeSysId}`, sysparm_fields: 'ci_item', sysparm_limit: '1000' });
    return rows.map((row) => row.ci_item?.display_value).filter((name): name is string => !!name);
  }

  private async table(table: string, query: Record<string, string>): Promise<Row[]> {
    const url = new URL(`${this.instanceUrl}/api/now/table/${table}`);
    const params = { ...query, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);

    const response = await fetch(url, {
      headers: { accept: 'application/json', authorization: await this.authorization.header() },
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((error: unknown) => {
      throw new TicketProviderUnavailableError(`ServiceNow did not answer: ${(error as Error).name}`);
    });
    if (response.status === 404) return [];
    if (response.status === 401) this.authorization.forget();
    if (!response.ok) throw new TicketProviderUnavailableError(`ServiceNow answered ${response.status} for ${table}`);
    const body = (await response.json()) as { result?: Row[] };
    return Array.isArray(body.result) ? body.result : [];
  }
}

/** ServiceNow stores date-times as UTC "YYYY-MM-DD HH:MM:SS" without a zone. */
export function parseServiceNowUtc(value: string | undefined): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value ?? '');
  const date = match ? new Date(`${match[1]}T${match[2]}Z`) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
