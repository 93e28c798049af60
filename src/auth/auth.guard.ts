import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { CallerAuthenticator } from './caller-authenticator.service';
import type { Principal } from './principal';
import { AUTHENTICATION_METADATA, type AuthenticationMode } from './public.decorator';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** Global guard, deny by default: every route needs a verified token unless it says otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: CallerAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const mode = this.reflector.getAllAndOverride<AuthenticationMode | undefined>(AUTHENTICATION_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (mode === 'public' || mode === 'by-use-case') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.authenticator.authenticate(request.headers.authorization);
    return true;
  }
}
