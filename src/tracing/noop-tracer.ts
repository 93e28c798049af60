import { GateTracer, type TraceSpan } from './gate-tracer';

const NOOP_SPAN: TraceSpan = {
  setAttributes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
};

/** Tracing off: spans cost a function call and nothing is loaded or exported. */
export class NoopTracer extends GateTracer {
  startSpan(): TraceSpan {
    return NOOP_SPAN;
  }

  async shutdown(): Promise<void> {}
}
