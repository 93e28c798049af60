import { Injectable } from '@nestjs/common';
import { createMongoAbility, type RawRuleOf } from '@casl/ability';
import type { Principal } from '../auth/principal';
import { Policy } from './policy-file';
import type { AppAbility } from './policy-vocabulary';
import { interpolateConditions } from './rule-interpolation';

type AppRule = RawRuleOf<AppAbility>;

/** Builds a caller's CASL ability from the rules of the app roles in their token. */
@Injectable()
export class AbilityFactory {
  constructor(private readonly policy: Policy) {}

  /** sha256 of the policy file the abilities come from, stamped on every attempt. */
  get policyVersion(): string {
    return this.policy.version;
  }

  forPrincipal(principal: Principal): AppAbility {
    return createMongoAbility<AppAbility>(this.rulesFor(principal));
  }

  /**
   * Every allowing rule first, then every inverted one. In CASL the later rule wins, and Entra promises no order
   * for the `roles` claim: this way a deny in any role beats an allow in any other, whatever the token's order.
   */
  rulesFor(principal: Principal): AppRule[] {
    const caller = { oid: principal.oid, tenantId: principal.tenantId, upn: principal.upn, appId: principal.appId };
    const rules: AppRule[] = [];
    for (const role of new Set(principal.roles)) {
      for (const rule of this.policy.roles.get(role) ?? []) {
        // The role name travels as the rule's reason, so a decision can say which role allowed it.
        const reason = rule.reason ?? `role ${role}`;
        if (rule.conditions === undefined) {
          rules.push({ ...rule, reason });
          continue;
        }
        const conditions = interpolateConditions(rule.conditions, caller);
        if (conditions !== undefined) rules.push({ ...rule, conditions, reason } as AppRule);
      }
    }
    return [...rules.filter((rule) => !rule.inverted), ...rules.filter((rule) => rule.inverted)];
  }
}
