/** The fields of a local change ticket that policy conditions on LocalChangeTicket may name. */
export const LOCAL_TICKET_FIELDS = [
  'number',
  'state',
  'approval',
  'plannedStart',
  'plannedEnd',
  'affectedCis',
  'shortDescription',
] as const;
