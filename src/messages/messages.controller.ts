import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/error-response.dto';
import { CreateMessageDto } from './dto/create-message.dto';
import { ListMessagesQuery } from './dto/list-messages.query';
import { MessageDto, toMessageDto } from './dto/message.dto';
import { MessagePageDto, toMessagePageDto } from './dto/message-page.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post('message')
  @HttpCode(201)
  @ApiOperation({ summary: 'Store a message and announce it on chat.message.created' })
  @ApiResponse({ status: 201, type: MessageDto, description: 'The stored message' })
  @ApiErrors(400, 413, 503)
  async post(@Body() body: CreateMessageDto): Promise<MessageDto> {
    const message = await this.messages.post(body.room, body.user, body.text);
    return toMessageDto(message);
  }

  @Get('messages')
  @ApiOperation({
    summary: 'The newest messages of a room, newest first',
    description:
      'Pages are keyset pages: pass `nextBefore` as `before` to get the next older page. ' +
      'Within a page messages are ordered newest first (descending id).',
  })
  @ApiResponse({ status: 200, type: MessagePageDto })
  @ApiErrors(400, 503)
  async list(@Query() query: ListMessagesQuery): Promise<MessagePageDto> {
    const page = await this.messages.newest(query.room, query.limit, query.before);
    return toMessagePageDto(query.room, page);
  }
}
