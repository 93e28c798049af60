import { currentRequestSpan } from '../http/request-context';

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export type SpanKind = 'server' | 'client' | 'internal';

/** One span as the gate uses it: attributes as they are learnt, a failure, an end. */
export interface TraceSpan {
  /** Set when the span is really recorded (tracing on); log lines carry it to join logs and traces. */
  readonly traceId?: string;
  setAttributes(attributes: SpanAttributes): void;
  fail(error: unknown): void;
  end(): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The span this one belongs to; without one it starts a trace of its own. */
  parent?: TraceSpan;
  /** A caller's W3C `traceparent`, continued by an inbound request's span. */
  traceparent?: string;
}

/**
 * Port: the spans of a request (inbound, ticket look-up, attempt writes, Graph tries). Bound to OpenTelemetry when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, to a no-op otherwise, so call sites never ask whether tracing is on.
 */
export abstract class GateTracer {
  abstract startSpan(name: string, attributes: SpanAttributes, options?: SpanOptions): TraceSpan;

  /** Sends what is still buffered; called once, when the gate stops. */
  abstract shutdown(): Promise<void>;

  /** Runs `work` in a span under the current request's span (if any), marking it failed when `work` throws. */
  async inSpan<T>(
    name: string,
    attributes: SpanAttributes,
    work: (span: TraceSpan) => Promise<T>,
    kind: SpanKind = 'internal',
  ): Promise<T> {
    const span = this.startSpan(name, attributes, { parent: currentRequestSpan(), kind });
    try {
      return await work(span);
    } catch (error) {
      span.fail(error);
      throw error;
    } finally {
      span.end();
    }
  }
}
