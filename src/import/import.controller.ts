import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Post,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/error-response.dto';
import { ImportSummaryDto, toImportSummaryDto } from './dto/import-summary.dto';
import { ImportService } from './import.service';
import { NDJSON } from './ndjson-body';

const EXAMPLE =
  '{"room":"#ubuntu","user":"alice","text":"hello","ts":"2018-05-31T01:05:27Z"}\n' +
  '{"room":"#ubuntu","user":"bob","text":"no ts: takes the time of the import"}\n';

@ApiTags('import')
@Controller()
export class ImportController {
  constructor(private readonly importer: ImportService) {}

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import chat logs: one JSON message per line, original times kept',
    description:
      'Each line is `{room, user, text, ts?}` with the rules of POST /message. `ts` (ISO-8601 ' +
      'with a zone, or epoch milliseconds) becomes the millisecond of the id; a line whose ts ' +
      'lies before what its room already holds is refused, and a line without ts takes the ' +
      'time of the import. Every line is imported or refused with its number and the reason. ' +
      'Imported messages are not announced on chat.message.created.',
  })
  @ApiConsumes(NDJSON)
  @ApiBody({ schema: { type: 'string', example: EXAMPLE } })
  @ApiResponse({ status: 200, type: ImportSummaryDto, description: 'What became of each line' })
  @ApiErrors(413, 415, 503)
  async import(
    @Body() body: unknown,
    @Headers('content-type') contentType?: string,
  ): Promise<ImportSummaryDto> {
    if (!contentType?.toLowerCase().startsWith(NDJSON) || typeof body !== 'string') {
      throw new UnsupportedMediaTypeException(`send the lines as ${NDJSON}, one JSON per line`);
    }
    return toImportSummaryDto(await this.importer.import(body));
  }
}
