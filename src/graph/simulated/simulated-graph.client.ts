import { randomUUID } from 'node:crypto';
import type { AutopilotDevice } from '../autopilot-device';
import { noteGraphAnswer } from '../../http/request-context';
import { GraphClient, type GraphResult } from '../graph-client';
import { seedSimulatedDevices } from './simulated-devices';

/** Zero-config mode only (refused in production): a tiny in-memory tenant that behaves like Graph for our two calls. */
export class SimulatedGraphClient extends GraphClient {
  readonly simulated = true;
  private readonly devices = new Map(seedSimulatedDevices().map((device) => [device.id.toLowerCase(), device]));

  listDevices(): AutopilotDevice[] {
    return [...this.devices.values()].map((device) => ({ ...device }));
  }

  async getAutopilotDevice(deviceId: string, clientRequestId: string): Promise<GraphResult<AutopilotDevice>> {
    const device = this.devices.get(deviceId.toLowerCase());
    if (!device) return this.notFound(deviceId, clientRequestId);
    return {
      kind: 'ok',
      status: 200,
      value: { ...device },
      requestId: this.nextRequestId(),
      clientRequestId,
      durationMs: 0,
    };
  }

  async listAutopilotDevicesBySerial(
    serialNumber: string,
    clientRequestId: string,
  ): Promise<GraphResult<AutopilotDevice[]>> {
    const wanted = serialNumber.toLowerCase();
    const value = this.listDevices().filter((device) => device.serialNumber?.toLowerCase().includes(wanted));
    return { kind: 'ok', status: 200, value, requestId: this.nextRequestId(), clientRequestId, durationMs: 0 };
  }

  async unassignResourceAccount(deviceId: string, clientRequestId: string): Promise<GraphResult<void>> {
    const device = this.devices.get(deviceId.toLowerCase());
    if (!device) return this.notFound(deviceId, clientRequestId);
    device.resourceName = null;
    device.addressableUserName = null;
    return {
      kind: 'ok',
      status: 204,
      value: undefined,
      requestId: this.nextRequestId(),
      clientRequestId,
      durationMs: 0,
    };
  }

  private notFound(deviceId: string, clientRequestId: string): GraphResult<never> {
    return {
      kind: 'error',
      status: 404,
      code: 'ResourceNotFound',
      message: `Simulated tenant: no Autopilot device ${deviceId}`,
      requestId: this.nextRequestId(),
      clientRequestId,
      durationMs: 0,
    };
  }

  /** Each answer's request-id, noted for the request as the real client's answers are. */
  private nextRequestId(): string {
    const requestId = randomUUID();
    noteGraphAnswer(requestId);
    return requestId;
  }
}
