import { Controller, Get } from '@nestjs/common';
import { packRules } from '@casl/ability/extra';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { AbilityFactory } from '../policy/ability.factory';
import { Policy } from '../policy/policy-file';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';

class PrincipalDto {
  @ApiProperty({ enum: ['user', 'app'] }) kind!: string;
  @ApiProperty() oid!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty({ required: false }) upn?: string;
  @ApiProperty({ required: false }) name?: string;
  @ApiProperty({ required: false }) appId?: string;
  @ApiProperty({ type: [String] }) roles!: string[];
}

class MeDto {
  @ApiProperty({ type: PrincipalDto }) principal!: PrincipalDto;
  @ApiProperty({
    description: "The caller's CASL rules packed with @casl/ability/extra packRules; unpackRules + createMongoAbility rebuild them.",
    type: 'array',
    items: { type: 'array', items: {} },
  })
  rules!: unknown[];
  @ApiProperty({ description: 'sha256 of the policy file in force.' }) policyVersion!: string;
}

@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly abilities: AbilityFactory,
    private readonly policy: Policy,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Who the gate thinks the caller is, and what the policy lets them do (for showing or hiding buttons).' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblemResponses(ProblemCode.Unauthenticated)
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return { principal, rules: packRules(this.abilities.rulesFor(principal)), policyVersion: this.policy.version };
  }
}
