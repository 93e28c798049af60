import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { isDatabaseReady, type DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { DEFAULT_MIGRATIONS_DIR } from '../database/migrations-dir';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up.' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'The database is reachable, an attempt could be written within the lock timeout, and every migration is applied.' })
  @ApiOkResponse({ schema: { example: { status: 'ready', database: { kind: 'postgres', reachable: true, writable: true, pendingMigrations: [] } } } })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the body says why.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    const readiness = await isDatabaseReady(this.database, DEFAULT_MIGRATIONS_DIR);
    const ready = readiness.reachable && readiness.writable && readiness.pendingMigrations.length === 0;
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', database: { kind: this.database.kind, ...readiness } };
  }
}
