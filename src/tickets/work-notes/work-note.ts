/** A note to write on the change an attempt was checked against, with the attempt's outcome. */
export type WorkNoteToWrite =
  /** Into the outbox: sent to ServiceNow after the answer, retried, exactly one per attempt. */
  | { kind: 'servicenow'; changeNumber: string; changeSysId: string; body: string }
  /** Onto the gate's own ticket, in the same statement as the outcome. */
  | { kind: 'local'; changeNumber: string; body: string };

/** A note's progress, as the attempt shows it. */
export interface WorkNoteState {
  state: 'pending' | 'sending' | 'sent' | 'failed';
  tries: number;
  sentAt: Date | null;
  lastError: string | null;
}
