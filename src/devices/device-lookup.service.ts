import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { exactSerialMatches, type AutopilotDevice } from '../graph/autopilot-device';
import { currentClientRequestId } from '../graph/client-request-id';
import { GraphClient, type GraphFailure } from '../graph/graph-client';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { AbilityFactory } from '../policy/ability.factory';
import type { AppAbility } from '../policy/policy-vocabulary';
import { refusalForGraphFailure } from '../unassign/attempt-refusal';
import { deviceIdTarget, serialNumberTarget } from './device-target';
import { deviceViewFor, mayReadDevice, type DeviceView } from './device-view';

/**
 * Devices as the gate sees them, for portals and ITSM flows that must not hold Graph's permission themselves.
 * A look-up changes nothing, so it is logged, not recorded as an attempt. Needs `read AutopilotDevice`; a device the
 * caller may not read is reported as missing.
 */
@Injectable()
export class DeviceLookup {
  private readonly logger = new Logger(DeviceLookup.name);

  constructor(
    private readonly graph: GraphClient,
    private readonly abilities: AbilityFactory,
  ) {}

  async byId(caller: Principal, deviceId: string): Promise<DeviceView> {
    const ability = this.readerAbility(caller);
    const { deviceId: id } = deviceIdTarget(deviceId);
    const result = await this.graph.getAutopilotDevice(id, currentClientRequestId());
    if (result.kind !== 'ok') throw this.lookupFailure(result, id);
    this.logger.log({ deviceId: id, oid: caller.oid }, 'device looked up by id');
    if (result.value.id.toLowerCase() !== id || !mayReadDevice(ability, result.value))
      throw notFound(`No Autopilot device ${id} is visible to you.`);
    return deviceViewFor(ability, result.value);
  }

  async bySerial(caller: Principal, serialNumber: string): Promise<DeviceView[]> {
    const ability = this.readerAbility(caller);
    const { serialNumber: wanted } = serialNumberTarget(serialNumber);
    const result = await this.graph.listAutopilotDevicesBySerial(wanted, currentClientRequestId());
    if (result.kind !== 'ok') throw this.lookupFailure(result, wanted);
    this.logger.log(
      { serialNumber: wanted, oid: caller.oid, candidates: result.value.length },
      'devices looked up by serial number',
    );
    const visible: AutopilotDevice[] = exactSerialMatches(result.value, wanted).filter((device) =>
      mayReadDevice(ability, device),
    );
    return visible.map((device) => deviceViewFor(ability, device));
  }

  private readerAbility(caller: Principal): AppAbility {
    const ability = this.abilities.forPrincipal(caller);
    if (ability.cannot('read', 'AutopilotDevice'))
      throw new ProblemError(ProblemCode.PolicyDenied, 'Your roles do not allow reading Autopilot devices.');
    return ability;
  }

  private lookupFailure(failure: GraphFailure, subject: string): ProblemError {
    const { problem } = refusalForGraphFailure(failure, subject);
    return problem.code === ProblemCode.DeviceNotFound
      ? notFound(`No Autopilot device ${subject} is visible to you.`)
      : problem;
  }
}

function notFound(detail: string): ProblemError {
  return new ProblemError(ProblemCode.DeviceNotFound, detail);
}
