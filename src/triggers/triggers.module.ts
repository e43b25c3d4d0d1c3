import { Module } from '@nestjs/common';

import { ArchiveModule } from '../archive/archive.module';
import { ArchiveSweep } from './archive-sweep.service';
import { ExportTriggers } from './export-triggers.service';
import { TriggersController } from './triggers.controller';
import { UnarchivedMessages } from './unarchived-messages';

/**
 * Archives rooms without anyone asking over HTTP: on the threshold, on `chat.export.requested`,
 * and on the periodic sweep. Loaded only when TRIGGERS_ENABLED is true.
 */
@Module({
  imports: [ArchiveModule],
  controllers: [TriggersController],
  providers: [ExportTriggers, ArchiveSweep, UnarchivedMessages],
})
export class TriggersModule {}
