import { Body, ConflictException, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApiErrors, ErrorResponseDto } from '../common/error-response.dto';
import { ArchiveService, ExportResult } from './archive.service';
import { CreateExportDto } from './dto/create-export.dto';
import {
  ExportListDto,
  ExportResultDto,
  toExportListDto,
  toExportResultDto,
} from './dto/export-result.dto';
import { ExportRoomQuery } from './dto/export-room.query';

const EXPORT_DESCRIPTION =
  'Archives the messages not archived yet to Parquet files, exactly once, and trims the hot ' +
  'tier to its newest HOT_RETENTION messages. Nothing new: 200 with zero rows and no file.';

const LOCKED = 'Another export of the room kept running longer than the route waits';

@ApiTags('archive')
@Controller()
export class ArchiveController {
  constructor(private readonly archive: ArchiveService) {}

  @Get('export')
  @ApiOperation({ summary: 'Archive one room now', description: EXPORT_DESCRIPTION })
  @ApiResponse({ status: 200, type: ExportResultDto, description: 'What the export wrote' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: LOCKED })
  @ApiErrors(400, 503)
  async exportRoom(@Query() query: ExportRoomQuery): Promise<ExportResultDto> {
    const result = await this.archive.exportRoom(query.room, { waitForLock: true });
    return toExportResultDto(notSkipped(result));
  }

  @Post('exports')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Archive one room (`{room}`) or every room (`{}`) now',
    description: EXPORT_DESCRIPTION,
  })
  @ApiResponse({ status: 200, type: ExportListDto, description: 'One export per room' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: LOCKED })
  @ApiErrors(400, 503)
  async createExport(@Body() body: CreateExportDto): Promise<ExportListDto> {
    const started = Date.now();
    const results = body.room
      ? [await this.archive.exportRoom(body.room, { waitForLock: true })]
      : await this.archive.exportAllRooms({ waitForLock: true });
    return toExportListDto(results.map(notSkipped), Date.now() - started);
  }
}

function notSkipped(result: ExportResult): ExportResult {
  if (!result.skipped) return result;
  throw new ConflictException(
    `another export of room ${result.room} is still running; retry when it has finished`,
  );
}
