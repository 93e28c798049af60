import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentRequestContext } from '../http/request-context';

/** The two ids a Graph SDK reads off every answer and hands to Microsoft support. */
export interface GraphAnswerIds {
  'request-id': string;
  'client-request-id': string;
}

/**
 * What the facade answers with, as Graph would: Graph's own request-id whenever Graph answered (the ids the answer
 * came from, else Graph's latest answer in this request), and the client-request-id Graph got. Only when Graph was
 * never called does request-id fall back to the gate's id, which x-request-id always carries.
 */
export function graphAnswerIds(
  request: FastifyRequest,
  fromAnswer?: { requestId?: string | null; clientRequestId?: string },
  gateRequestId = request.id,
): GraphAnswerIds {
  const context = currentRequestContext();
  return {
    'request-id': fromAnswer?.requestId ?? context?.graphRequestId ?? gateRequestId,
    'client-request-id': fromAnswer?.clientRequestId ?? context?.graphClientRequestId ?? request.id,
  };
}

export function setGraphAnswerIds(reply: FastifyReply, ids: GraphAnswerIds): void {
  void reply.header('request-id', ids['request-id']).header('client-request-id', ids['client-request-id']);
}
