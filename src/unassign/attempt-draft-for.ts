import { AttemptDraft } from '../attempts/attempt-draft';
import type { UnassignResourceAccountCommand } from './unassign-resource-account.command';

/** The attempt a request starts, unassign or preview: what is known before anything is checked. */
export function attemptDraftFor(
  command: UnassignResourceAccountCommand,
  gate: { policyVersion: string; simulated: boolean },
): AttemptDraft {
  return new AttemptDraft({
    entryPoint: command.entryPoint,
    correlationId: command.correlationId,
    clientIp: command.clientIp,
    userAgent: command.userAgent,
    // On the facade's deployment-profile path the device is the last id.
    deviceId: command.deviceIds?.at(-1) ?? null,
    serialNumber: command.serialNumber ?? null,
    policyVersion: gate.policyVersion,
    simulated: gate.simulated,
  });
}
