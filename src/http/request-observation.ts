import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientRequestIdFor } from '../graph/client-request-id';
import type { RequestObservers } from './fastify-setup';
import { runInRequestContext, type RequestContext } from './request-context';

interface ObservedRequest {
  context: RequestContext;
  startedAt: number;
  finished: boolean;
}

/** Routes Fastify did not match (404s) share one label, so probing paths cannot grow the metrics or the logs. */
const UNMATCHED = 'unmatched';
/** What nginx calls a request whose client left before its answer. */
const CLIENT_CLOSED = 499;

/**
 * Per request: a context every log line of the request carries (its id), a span, and when it ends exactly one access
 * line, one observation of the request metrics, and the span's end.
 */
export function observeRequests(fastify: FastifyInstance, { logger, metrics, tracer }: RequestObservers): void {
  const observed = new WeakMap<FastifyRequest, ObservedRequest>();

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = routeOf(request);
    const traceparent = request.headers.traceparent;
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { 'http.request.method': request.method, 'http.route': route, 'autopilot_gate.request_id': request.id },
      {
        kind: 'server',
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      },
    );
    const context: RequestContext = {
      requestId: request.id,
      graphClientRequestId: clientRequestIdFor(request.id, request.headers['client-request-id']),
      span,
    };
    observed.set(request, { context, startedAt: performance.now(), finished: false });
    // Everything after this hook runs inside the context: Fastify reads the body within the request's own async
    // resource, so the handler is still in it however slowly the body arrives.
    runInRequestContext(context, done);
  });

  const finish = (request: FastifyRequest, status: number, elapsedMs: number, aborted: boolean) => {
    const entry = observed.get(request);
    if (!entry || entry.finished) return;
    entry.finished = true;
    const { context } = entry;
    const route = routeOf(request);
    metrics.requestServed(request.method, route, status, elapsedMs / 1000);
    logger.info(
      {
        requestId: context.requestId,
        method: request.method,
        route,
        status,
        durationMs: Math.round(elapsedMs * 10) / 10,
        ...(context.caller ? { callerOid: context.caller.oid, callerAppId: context.caller.appId } : {}),
        ...(context.attemptId ? { attemptId: context.attemptId } : {}),
        ...(aborted ? { aborted: true } : {}),
      },
      'request',
    );
    context.span?.setAttributes({ 'http.response.status_code': status });
    if (status >= 500) context.span?.fail(new Error(`status ${status}`));
    context.span?.end();
  };

  fastify.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode, reply.elapsedTime, false);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    const startedAt = observed.get(request)?.startedAt ?? performance.now();
    finish(request, CLIENT_CLOSED, performance.now() - startedAt, true);
    done();
  });
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED;
}
