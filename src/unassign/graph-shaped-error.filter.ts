import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemFromError } from '../http/problem-from-error';
import { answeringCorrelationId, setProblemHeaders } from '../http/problem-response';
import { graphErrorBody } from './graph-error-answer';
import { graphAnswerIds, setGraphAnswerIds } from './graph-facade-ids';

/** The facade answers errors the way Graph does, so scripts written against Graph keep working. */
@Catch()
export class GraphShapedErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem } = problemFromError(error);
    const ids = graphAnswerIds(request, problem.extensions.graph, answeringCorrelationId(problem, request));
    setProblemHeaders(reply, problem);
    setGraphAnswerIds(reply, ids);
    void reply
      .status(problem.status)
      .type('application/json')
      .send(graphErrorBody(problem, ids, problem.replay?.answeredAt ?? new Date()));
  }
}
