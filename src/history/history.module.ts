import { Module } from '@nestjs/common';

import { HistoryController } from './history.controller';
import { HistoryService } from './history.service';
import { HotTierReader } from './hot-tier-reader';

@Module({
  controllers: [HistoryController],
  providers: [HotTierReader, HistoryService],
  exports: [HistoryService],
})
export class HistoryModule {}
