import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/error-response.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every dependency answers' })
  @ApiOkResponse({ schema: { example: { status: 'ready', checks: { valkey: 'up' } } } })
  @ApiErrors(503)
  async ready(): Promise<{ status: string; checks: Record<string, string> }> {
    const checks = await this.health.readiness();
    const down = Object.keys(checks).filter((name) => checks[name] === 'down');
    if (down.length > 0) {
      throw new ServiceUnavailableException(`not ready: ${down.join(', ')} unavailable`);
    }
    return { status: 'ready', checks };
  }
}
