/** A change request as the gate sees it, whatever system it came from. Recorded on the attempt as a snapshot. */
export interface ChangeTicket {
  number: string;
  source: 'servicenow' | 'local';
  /** The state's label (ServiceNow display value, e.g. "Implement") and, where one exists, its stored value ("-1"). */
  state: string;
  stateValue?: string;
  /** ServiceNow approval value: "approved", "requested", "rejected", "not requested". */
  approval: string;
  plannedStart: Date | null;
  plannedEnd: Date | null;
  /** Names of the affected configuration items (device serial numbers or display names). */
  affectedCis: string[];
  shortDescription?: string;
  externalId?: string;
  /** Local tickets: everyone who has written it (`tenant/oid`), for separation of duties. */
  writtenBy?: string[];
}
