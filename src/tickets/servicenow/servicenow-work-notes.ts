import type { ServiceNowTableClient } from './servicenow-table-client';

/** Work notes on a change request: written with a PATCH, found again in sys_journal_field. */
export class ServiceNowWorkNotes {
  constructor(private readonly client: ServiceNowTableClient) {}

  add(changeSysId: string, text: string): Promise<void> {
    return this.client.patch('change_request', changeSysId, { work_notes: text });
  }

  /** Whether a note containing `marker` is already on the change (an attempt id: no `^` or `=` to alter the query). */
  async contains(changeSysId: string, marker: string): Promise<boolean> {
    const rows = await this.client.list('sys_journal_field', {
      sysparm_query: `element_id=${changeSysId}^element=work_notes^valueLIKE${marker}`,
      sysparm_fields: 'sys_id',
      sysparm_limit: '1',
    });
    return rows.length > 0;
  }
}
