import type { AttemptRecord } from '../../attempts/attempt';

type NoteFacts = Pick<
  AttemptRecord,
  'id' | 'deviceId' | 'deviceSnapshot' | 'actorUpn' | 'actorAppId' | 'actorOid' | 'graphRequestId'
>;

/** What the change record says was done under it: the device, the outcome, the attempt, Graph's request-id, the caller. */
export function workNoteText(attempt: NoteFacts, outcome: string): string {
  const snapshot = attempt.deviceSnapshot ?? {};
  const serial = typeof snapshot.serialNumber === 'string' ? snapshot.serialNumber : 'unknown serial';
  const name = typeof snapshot.displayName === 'string' ? snapshot.displayName : 'no display name';
  const caller = attempt.actorUpn ?? attempt.actorAppId ?? attempt.actorOid ?? 'unknown caller';
  return [
    `autopilot-gate: unassign of the resource account of Autopilot device ${attempt.deviceId ?? 'unknown'} (serial ${serial}, ${name}).`,
    `Outcome: ${outcome}. Requested by ${caller}.`,
    `Attempt ${attempt.id}; Microsoft Graph request-id ${attempt.graphRequestId ?? 'none'}.`,
  ].join('\n');
}
