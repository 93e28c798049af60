import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { ServiceNowTableClient } from '../servicenow/servicenow-table-client';
import { ServiceNowWorkNotes } from '../servicenow/servicenow-work-notes';
import { WorkNoteRepository } from './work-note.repository';
import { WorkNoteSender } from './work-note-sender';

/** The outbox repository always (attempts show their note's state); the sender only where notes go to ServiceNow. */
export function workNoteProviders(tickets: AppConfig['tickets']): Provider[] {
  const sends = tickets.provider === 'servicenow' && tickets.workNotes.enabled;
  return [
    WorkNoteRepository,
    ...(sends
      ? [
          {
            provide: ServiceNowWorkNotes,
            inject: [ServiceNowTableClient],
            useFactory: (client: ServiceNowTableClient) => new ServiceNowWorkNotes(client),
          },
          WorkNoteSender,
        ]
      : []),
  ];
}
