import { Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { GateTracer } from './gate-tracer';

/** Sends the spans still buffered when the gate stops. */
@Injectable()
export class TracingLifecycle implements OnApplicationShutdown {
  constructor(private readonly tracer: GateTracer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracer.shutdown();
  }
}

export function tracingProviders(tracer: GateTracer): Provider[] {
  return [{ provide: GateTracer, useValue: tracer }, TracingLifecycle];
}
