import type { AppConfig } from '../config/app-config';
import type { GateTracer } from './gate-tracer';
import { NoopTracer } from './noop-tracer';

/** OpenTelemetry is loaded only when an OTLP endpoint is configured: off, nothing of it is loaded or exported. */
export async function createTracer(tracing: AppConfig['tracing']): Promise<GateTracer> {
  if (!tracing.otlpEndpoint) return new NoopTracer();
  const { OtelTracer } = await import('./otel-tracer.js');
  return new OtelTracer({ otlpEndpoint: tracing.otlpEndpoint, serviceName: tracing.serviceName });
}
