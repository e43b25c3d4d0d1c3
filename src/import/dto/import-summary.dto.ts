import { ApiProperty } from '@nestjs/swagger';

import { ImportSummary } from '../import.service';

export class ImportRefusalDto {
  @ApiProperty({ example: 12, description: 'Line number within the body, from 1' })
  line!: number;

  @ApiProperty({ example: 'text must be 1 to 4000 characters' })
  reason!: string;
}

export class ImportSummaryDto {
  @ApiProperty({ example: 5000, description: 'Lines read; always imported + refused' })
  lines!: number;

  @ApiProperty({ example: 4998 })
  imported!: number;

  @ApiProperty({ example: 2 })
  refused!: number;

  @ApiProperty({
    example: { '#ubuntu': 4998 },
    description: 'Messages imported per room',
    additionalProperties: { type: 'integer' },
  })
  rooms!: Record<string, number>;

  @ApiProperty({ type: [ImportRefusalDto], description: 'The first 100 refusals, in line order' })
  refusals!: ImportRefusalDto[];

  @ApiProperty({ example: 0, description: 'Refusals beyond those listed' })
  refusalsNotListed!: number;
}

export function toImportSummaryDto(summary: ImportSummary): ImportSummaryDto {
  return {
    lines: summary.lines,
    imported: summary.imported,
    refused: summary.refused,
    rooms: { ...summary.rooms },
    refusals: summary.refusals.map(({ line, reason }) => ({ line, reason })),
    refusalsNotListed: summary.refusalsNotListed,
  };
}
