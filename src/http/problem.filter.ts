import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemFromError } from './problem-from-error';
import { sendProblem } from './problem-response';

/** The global filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { problem, unexpected } = problemFromError(error);
    if (unexpected) this.logger.error({ err: error, correlationId: request.id }, 'unexpected error');
    sendProblem(http.getResponse<FastifyReply>(), request, problem);
  }
}
