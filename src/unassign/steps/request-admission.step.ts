import { Inject, Injectable } from '@nestjs/common';
import type { AttemptDraft } from '../../attempts/attempt-draft';
import { CallerAuthenticator } from '../../auth/caller-authenticator.service';
import { principalKey, type Principal } from '../../auth/principal';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';
import { AbilityFactory } from '../../policy/ability.factory';
import { bypassesTicketChecks, mayOmitTicket } from '../../policy/break-glass';
import type { AppAbility } from '../../policy/policy-vocabulary';
import { InboundRateLimiter, type RateLimitVerdict } from '../../rate-limits/inbound-rate-limiter';
import { AttemptRefusal, refuse } from '../attempt-refusal';
import type { UnassignResourceAccountCommand } from '../unassign-resource-account.command';
import { UnassignRequestParser, type UnassignRequest } from '../unassign-request';

export interface AdmittedRequest {
  caller: Principal;
  ability: AppAbility;
  request: UnassignRequest;
  breakGlass: boolean;
}

/**
 * Everything decided before the attempt is opened, without a word to Graph: who is calling (token), not too often
 * (RATE_LIMIT_PER_CALLER; without a valid token RATE_LIMIT_PER_IP_UNAUTHENTICATED), asking validly, and allowed to
 * unassign any device at all.
 */
@Injectable()
export class RequestAdmission {
  constructor(
    private readonly authenticator: CallerAuthenticator,
    private readonly limiter: InboundRateLimiter,
    private readonly abilities: AbilityFactory,
    private readonly requests: UnassignRequestParser,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async admit(command: UnassignResourceAccountCommand, attempt: AttemptDraft): Promise<AdmittedRequest> {
    const admitted = await this.identify(command, attempt);
    if (!mayUnassignAnyDevice(admitted)) {
      throw refuse(
        'policy_denied',
        ProblemCode.PolicyDenied,
        `Roles [${admitted.caller.roles.join(', ')}] allow no unassign at all.`,
      );
    }
    return admitted;
  }

  /** Who is calling, not too often, asking validly: what a preview needs before it runs its checks. */
  async identify(command: UnassignResourceAccountCommand, attempt: AttemptDraft): Promise<AdmittedRequest> {
    const caller = await this.authenticate(command, attempt);
    const ability = this.abilities.forPrincipal(caller);
    const request = this.validate(command, attempt, ability);
    return { caller, ability, request, breakGlass: bypassesTicketChecks(ability, request.changeTicket) };
  }

  private async authenticate(command: UnassignResourceAccountCommand, attempt: AttemptDraft): Promise<Principal> {
    const limits = this.config.resilience.inboundLimits;
    let caller: Principal;
    try {
      caller = await this.authenticator.authenticate(command.authorization);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const verdict = await this.limiter.hit(`ip:${command.clientIp ?? 'unknown'}`, limits.perIpUnauthenticated);
      // A flood without a token must not grow the table: only its first refused request in a window gets a row;
      // the window's row in rate_limit_windows keeps the count of the rest.
      if (!verdict.allowed) throw rateLimited(verdict, 'ip_limit', verdict.hits === limits.perIpUnauthenticated + 1);
      throw new AttemptRefusal('unauthenticated', error);
    }
    attempt.recordActor(caller);
    const verdict = await this.limiter.hit(`caller:${principalKey(caller)}`, limits.perCaller);
    if (!verdict.allowed) throw rateLimited(verdict, 'caller_limit', true);
    return caller;
  }

  private validate(
    command: UnassignResourceAccountCommand,
    attempt: AttemptDraft,
    ability: AppAbility,
  ): UnassignRequest {
    try {
      const request = this.requests.parse(command, !mayOmitTicket(ability));
      attempt.recordRequest(request);
      return request;
    } catch (error) {
      if (error instanceof ProblemError) throw new AttemptRefusal('invalid_request', error);
      throw error;
    }
  }
}

export function mayUnassignAnyDevice({ ability }: AdmittedRequest): boolean {
  return ability.can('unassign', 'AutopilotDevice');
}

function rateLimited(
  verdict: RateLimitVerdict,
  reason: 'ip_limit' | 'caller_limit',
  recorded: boolean,
): AttemptRefusal {
  const who = reason === 'ip_limit' ? 'from your address without a valid token' : 'from you';
  const detail = `Too many requests ${who}; retry in ${verdict.retryAfterSeconds} s. Nothing was forwarded.`;
  const refusal = refuse('rate_limited', ProblemCode.RateLimited, detail, {
    reason,
    retryAfterSeconds: verdict.retryAfterSeconds,
  });
  return recorded ? refusal : refusal.unrecorded();
}
