import { ApiProperty } from '@nestjs/swagger';

import { ExportResult } from '../export-result';

export class ExportedFileDto {
  @ApiProperty({
    example: 'room=%23ubuntu/date=2024-12-03/1733230000000-0_1733230999999-0.parquet',
    description: 'Key of the file relative to the archive root',
  })
  key!: string;

  @ApiProperty({ example: 1000 })
  rows!: number;

  @ApiProperty({ example: 48213 })
  bytes!: number;
}

export class ExportResultDto {
  @ApiProperty({ example: '#ubuntu' })
  room!: string;

  @ApiProperty({ type: [ExportedFileDto], description: 'Files written; empty when up to date' })
  files!: ExportedFileDto[];

  @ApiProperty({ example: 1000, description: 'Messages archived by this export' })
  rows!: number;

  @ApiProperty({ example: 48213 })
  bytes!: number;

  @ApiProperty({ example: 120 })
  durationMs!: number;
}

export class ExportListDto {
  @ApiProperty({ type: [ExportResultDto], description: 'One export per room' })
  exports!: ExportResultDto[];

  @ApiProperty({ example: 3000, description: 'Messages archived, all rooms together' })
  rows!: number;

  @ApiProperty({ example: 144639 })
  bytes!: number;

  @ApiProperty({ example: 360 })
  durationMs!: number;
}

export function toExportResultDto(result: ExportResult): ExportResultDto {
  return {
    room: result.room,
    files: result.files.map(({ key, rows, bytes }) => ({ key, rows, bytes })),
    rows: result.rows,
    bytes: result.bytes,
    durationMs: result.durationMs,
  };
}

export function toExportListDto(results: ExportResult[], durationMs: number): ExportListDto {
  return {
    exports: results.map(toExportResultDto),
    rows: results.reduce((sum, result) => sum + result.rows, 0),
    bytes: results.reduce((sum, result) => sum + result.bytes, 0),
    durationMs,
  };
}
