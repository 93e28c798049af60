import { ArgumentsHost, Catch, ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed, methodsAllowedFor } from './method-not-allowed';
import { problemFromError } from './problem-from-error';
import { sendProblem } from './problem-response';

/** The global filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // A route miss is a 405 when only the method was wrong; like a 404 it never reaches a handler, so it records no attempt.
    const allowedMethods = error instanceof NotFoundException ? methodsAllowedFor(request) : [];
    const { problem, unexpected } =
      allowedMethods.length > 0
        ? { problem: methodNotAllowed(request.method, allowedMethods), unexpected: false }
        : problemFromError(error);
    if (unexpected) this.logger.error({ err: error, correlationId: request.id }, 'unexpected error');
    sendProblem(http.getResponse<FastifyReply>(), request, problem);
  }
}
