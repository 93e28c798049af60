import { z } from 'zod';

/** The variables of metrics and tracing: merged into the environment schema. */
export const observabilityEnvironment = {
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('autopilot-gate'),
};

type ObservabilityEnvironment = z.infer<z.ZodObject<typeof observabilityEnvironment>>;

export interface ObservabilityConfig {
  metrics: { port: number };
  /** Off unless an OTLP endpoint is set. */
  tracing: { otlpEndpoint?: string; serviceName: string };
}

export function checkObservability(
  env: ObservabilityEnvironment & { PORT: number },
  problem: (variable: string, message: string) => void,
): void {
  if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
    problem('METRICS_PORT', `must differ from PORT (${env.PORT}): metrics are never served on the API's port`);
}

export function observabilityConfig(env: ObservabilityEnvironment): ObservabilityConfig {
  return {
    metrics: { port: env.METRICS_PORT },
    tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
  };
}
