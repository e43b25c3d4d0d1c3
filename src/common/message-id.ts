import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Message ids are Valkey stream entry ids, `<epoch-ms>-<sequence>`: unique and ordered within a
 * room, and the first part is the time the message was accepted.
 */
const MESSAGE_ID_PATTERN = /^(\d{1,15})-(\d{1,20})$/;
/** Stream sequences are unsigned 64-bit numbers. */
const MAX_SEQUENCE = 18_446_744_073_709_551_615n;

export interface MessageIdParts {
  readonly ms: number;
  readonly seq: bigint;
}

export function parseMessageId(id: string): MessageIdParts | undefined {
  const match = MESSAGE_ID_PATTERN.exec(id);
  if (!match) return undefined;
  const seq = BigInt(match[2]);
  return seq <= MAX_SEQUENCE ? { ms: Number(match[1]), seq } : undefined;
}

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && parseMessageId(value) !== undefined;
}

/** Orders two ids as the stream does: by millisecond, then by sequence. */
export function compareMessageIds(a: string, b: string): number {
  const left = parseMessageId(a);
  const right = parseMessageId(b);
  if (!left || !right) throw new Error(`not a message id: ${!left ? a : b}`);
  if (left.ms !== right.ms) return left.ms < right.ms ? -1 : 1;
  if (left.seq === right.seq) return 0;
  return left.seq < right.seq ? -1 : 1;
}

/** The acceptance time of a message, which is the millisecond part of its id. */
export function messageIdTime(id: string): number {
  const parts = parseMessageId(id);
  if (!parts) throw new Error(`not a message id: ${id}`);
  return parts.ms;
}

export function IsMessageId(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isMessageId',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message: `${propertyName.toString()} must be a message id such as 1733230000000-0`,
        ...options,
      },
      validator: { validate: isMessageId },
    });
}
