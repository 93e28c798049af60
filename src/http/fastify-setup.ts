import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GateMetrics } from '../metrics/gate-metrics';
import type { GateTracer } from '../tracing/gate-tracer';
import { observeRequests } from './request-observation';

const CORRELATION_ID = /^[\w-]{8,100}$/;

/** A caller's X-Request-Id is kept when it looks like an id; otherwise the gate makes one. */
export function correlationIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
}

export interface RequestObservers {
  logger: Logger;
  metrics: GateMetrics;
  tracer: GateTracer;
}

/**
 * Request bodies are handed to handlers as text, whatever their media type, so the handlers (and the unassign
 * use case, which must audit bad input) judge them; Fastify itself only enforces the outer size limit.
 */
export function configureFastify(fastify: FastifyInstance, observers: RequestObservers): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  observeRequests(fastify, observers);
}
