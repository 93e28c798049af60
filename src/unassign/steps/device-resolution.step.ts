import { Injectable } from '@nestjs/common';
import type { AttemptDraft } from '../../attempts/attempt-draft';
import { AttemptRepository } from '../../attempts/attempt.repository';
import type { DeviceTarget } from '../../devices/device-target';
import { exactSerialMatches, type AutopilotDevice } from '../../graph/autopilot-device';
import { currentClientRequestId } from '../../graph/client-request-id';
import { GraphClient } from '../../graph/graph-client';
import { ProblemCode } from '../../http/problem-code';
import { refusalForGraphFailure, refuse } from '../attempt-refusal';
import { inProgress } from './attempt-opening.step';

/**
 * The device the request is about, read from Graph after the attempt is open: by id, or by serial number through
 * Graph's `contains` filter, exact matches only. A serial that names no device is DEVICE_NOT_FOUND, several is
 * AMBIGUOUS_DEVICE; one that names exactly one device then holds that device as a request by id does.
 */
@Injectable()
export class DeviceResolution {
  constructor(
    private readonly graph: GraphClient,
    private readonly attempts: AttemptRepository,
  ) {}

  async resolve(
    target: DeviceTarget,
    attempt: AttemptDraft,
    options: { holdDevice: boolean },
  ): Promise<AutopilotDevice> {
    if (target.kind === 'id') return this.readById(target.deviceId, attempt);
    const device = await this.findBySerial(target.serialNumber, attempt);
    attempt.recordResolvedDevice(device.id.toLowerCase());
    attempt.recordDevice(device);
    if (options.holdDevice && (await this.attempts.holdDevice(attempt)) === 'device_busy') {
      throw inProgress(
        `Another request for device ${device.id} is in flight; retry once it has settled. Nothing was forwarded.`,
      );
    }
    return device;
  }

  private async readById(deviceId: string, attempt: AttemptDraft): Promise<AutopilotDevice> {
    const result = await this.graph.getAutopilotDevice(deviceId, currentClientRequestId());
    attempt.recordGraph(result);
    if (result.kind !== 'ok') throw refusalForGraphFailure(result, deviceId);
    attempt.recordDevice(result.value);
    // The action goes to the id the caller asked for (a validated GUID), never to one Graph's answer supplies.
    if (result.value.id.toLowerCase() !== deviceId) {
      throw refuse(
        'graph_failed',
        ProblemCode.GraphError,
        'Microsoft Graph answered with another device than the one asked for; nothing was forwarded.',
      );
    }
    return result.value;
  }

  private async findBySerial(serialNumber: string, attempt: AttemptDraft): Promise<AutopilotDevice> {
    const result = await this.graph.listAutopilotDevicesBySerial(serialNumber, currentClientRequestId());
    attempt.recordGraph(result);
    if (result.kind !== 'ok') throw refusalForGraphFailure(result, serialNumber);
    const matches = exactSerialMatches(result.value, serialNumber);
    if (matches.length === 0)
      throw refuse(
        'device_not_found',
        ProblemCode.DeviceNotFound,
        `No Autopilot device has the serial number ${serialNumber}.`,
      );
    if (matches.length > 1) {
      const candidates = matches.map((device) => device.id);
      throw refuse(
        'ambiguous_device',
        ProblemCode.AmbiguousDevice,
        `${matches.length} Autopilot devices have the serial number ${serialNumber}; address one by its id.`,
        { candidates },
      );
    }
    return matches[0];
  }
}
