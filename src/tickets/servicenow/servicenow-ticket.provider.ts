import type { ChangeTicket } from '../change-ticket';
import { TicketProvider } from '../ticket-provider';
import type { ServiceNowRow, ServiceNowTableClient } from './servicenow-table-client';

type Row = ServiceNowRow;

const valueOf = (row: Row, field: string): string | undefined => textOrUndefined(row[field]?.value);
const labelOf = (row: Row, field: string): string | undefined => textOrUndefined(row[field]?.display_value);
const textOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const CHANGE_FIELDS = 'sys_id,number,state,approval,start_date,end_date,short_description';

/** Reads change requests and their affected CIs through the ServiceNow Table API. */
export class ServiceNowTicketProvider extends TicketProvider {
  constructor(private readonly client: ServiceNowTableClient) {
    super();
  }

  async findChange(number: string): Promise<ChangeTicket | null> {
    // The Table API silently ignores malformed query parts, so a number that could alter the query is never sent.
    if (/[\^=@]/.test(number)) return null;
    const rows = await this.client.list('change_request', {
      sysparm_query: `number=${number}`,
      sysparm_fields: CHANGE_FIELDS,
      sysparm_limit: '1',
    });
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
    const rows = await this.client.list('task_ci', {
      sysparm_query: `task=${changeSysId}`,
      sysparm_fields: 'ci_item',
      sysparm_limit: '1000',
    });
    return rows.map((row) => labelOf(row, 'ci_item')).filter((name): name is string => !!name);
  }
}

/** ServiceNow stores date-times as UTC "YYYY-MM-DD HH:MM:SS" without a zone. */
export function parseServiceNowUtc(value: string | undefined): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value ?? '');
  const date = match ? new Date(`${match[1]}T${match[2]}Z`) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
