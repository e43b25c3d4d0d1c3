import 'reflect-metadata';

import { ExportRequestedEventDto, MessageCreatedEventDto } from './chat-event.dto';
import { BadEventError, EventPayloadPipe } from './event-payload.pipe';

describe(EventPayloadPipe.name, () => {
  const exportRequested = new EventPayloadPipe(ExportRequestedEventDto);
  const messageCreated = new EventPayloadPipe(MessageCreatedEventDto);

  async function reason(pipe: EventPayloadPipe<object>, value: unknown): Promise<string> {
    const error = await pipe.transform(value).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(BadEventError);
    return (error as BadEventError).reason;
  }

  describe('transform', () => {
    it('hands over a payload class instance when the payload is valid', async () => {
      const event = await exportRequested.transform({ room: '#ubuntu' });
      expect(event).toBeInstanceOf(ExportRequestedEventDto);
      expect(event).toEqual({ room: '#ubuntu' });
      expect(await exportRequested.transform({})).toEqual({});
    });

    it('accepts a stored message as announced on chat.message.created', async () => {
      const message = {
        id: '1733230000000-0',
        room: 'general',
        user: 'alice',
        text: 'Hello World!',
        ts: '2024-12-03T12:46:40.000Z',
      };
      expect(await messageCreated.transform(message)).toEqual(message);
    });

    it.each([
      ['a raw string (the body was not JSON)', 'hello', /not a string/],
      ['null', null, /not null/],
      ['an array', [], /not an array/],
      ['a number', 42, /not a number/],
      ['nothing', undefined, /not a undefined/],
    ])('refuses %s', async (_what, value, expected) => {
      expect(await reason(exportRequested, value)).toMatch(/must be a JSON object/);
      expect(await reason(exportRequested, value)).toMatch(expected);
    });

    it.each(['../x', 'a/b', '%2e%2e', '', 'r'.repeat(65)])(
      'refuses the room name %j',
      async (room) => expect(await reason(exportRequested, { room })).toMatch(/room must be/),
    );

    it('refuses unknown fields, as HTTP bodies do', async () => {
      expect(await reason(exportRequested, { room: 'general', id: '1' })).toMatch(
        /property id should not exist/,
      );
    });

    it('refuses a message without an id of the stream', async () => {
      const message = { id: '1', room: 'general', user: 'alice', text: 'x', ts: 'now' };
      expect(await reason(messageCreated, message)).toMatch(/message id/);
    });

    it('never lets a __proto__ key change a prototype', async () => {
      const payload = JSON.parse('{"room":"general","__proto__":{"polluted":true}}');
      const event = await exportRequested.transform(payload);

      expect(Object.getPrototypeOf(event)).toBe(ExportRequestedEventDto.prototype);
      expect((event as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
