import {
  ROOT_CONTEXT,
  SpanKind as OtelSpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { GateTracer, type SpanAttributes, type SpanKind, type SpanOptions, type TraceSpan } from './gate-tracer';

export interface OtelTracingSettings {
  /** OTLP/HTTP base URL; spans go to `{endpoint}/v1/traces` as JSON. */
  otlpEndpoint: string;
  serviceName: string;
}

const KINDS: Record<SpanKind, OtelSpanKind> = {
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  internal: OtelSpanKind.INTERNAL,
};

/**
 * OpenTelemetry's SDK, loaded only when tracing is on. No global provider and no context manager: the parent of a
 * span is the request's span the gate keeps in its own request context, passed explicitly.
 */
export class OtelTracer extends GateTracer {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;

  constructor(settings: OtelTracingSettings) {
    super();
    const url = `${settings.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      spanProcessors: [
        new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 1000 }),
      ],
    });
    this.tracer = this.provider.getTracer('autopilot-gate');
  }

  startSpan(name: string, attributes: SpanAttributes, options: SpanOptions = {}): TraceSpan {
    const parent =
      options.parent instanceof OtelSpan
        ? trace.setSpan(ROOT_CONTEXT, options.parent.span)
        : continued(options.traceparent);
    return new OtelSpan(
      this.tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: defined(attributes) }, parent),
    );
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

class OtelSpan implements TraceSpan {
  constructor(readonly span: Span) {}

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(defined(attributes));
  }

  fail(error: unknown): void {
    // The error's name only: a message may carry what a trace backend must not keep.
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
  }

  end(): void {
    this.span.end();
  }
}

function continued(traceparent: string | undefined) {
  const parentContext = traceparent ? parseTraceParent(traceparent) : null;
  return parentContext ? trace.setSpanContext(ROOT_CONTEXT, parentContext) : ROOT_CONTEXT;
}

function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(attributes).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined),
  );
}
