import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, getSchemaPath } from '@nestjs/swagger';
import { UNASSIGN_BODY_EXAMPLES, UnassignBodyDto } from './unassign-result.dto';

/** The JSON body of the v1 unassign and preview routes, with an example with a ticket and one without (break-glass). */
export function ApiUnassignBody() {
  return applyDecorators(
    ApiExtraModels(UnassignBodyDto),
    ApiBody({ required: true, schema: { $ref: getSchemaPath(UnassignBodyDto) }, examples: UNASSIGN_BODY_EXAMPLES }),
  );
}
