import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/error-response.dto';
import { HistoryQueryDto, parseInstant } from './dto/history.query';
import { HistoryPageDto, toHistoryPageDto } from './dto/history-page.dto';
import { HistoryService } from './history.service';

@ApiTags('history')
@Controller()
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get('history')
  @ApiOperation({
    summary: "A room's messages, archived and recent, as one timeline",
    description:
      'Keyset pages over the archive and the hot tier together, each message once, in id ' +
      'order: newest first, or oldest first with `after` alone. Filters: `from` (inclusive) ' +
      'and `to` (exclusive) times, `user`. A room with nothing archived answers an empty or ' +
      'hot-only page. A page that needs an unreadable archive file answers 500 naming the ' +
      'room and date.',
  })
  @ApiResponse({ status: 200, type: HistoryPageDto })
  @ApiErrors(400, 500, 503)
  async list(@Query() query: HistoryQueryDto): Promise<HistoryPageDto> {
    const fromMs = parseInstant(query.from);
    const toMs = parseInstant(query.to);
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
      throw new BadRequestException('from must be earlier than to');
    }

    const page = await this.history.page({ ...query, fromMs, toMs });
    return toHistoryPageDto(query.room, page);
  }
}
