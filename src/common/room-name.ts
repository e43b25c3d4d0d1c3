import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Room names end up in Valkey keys, file paths and S3 keys. Allowed: 1 to 64 letters or digits
 * of any script plus `# & + . _ -`, and not only dots. This keeps real channel names such as
 * `#ubuntu` working while `../x`, `a/b`, `%2e%2e`, spaces and control characters cannot pass.
 */
export const ROOM_NAME_MAX_LENGTH = 64;
const ROOM_NAME_PATTERN = /^[\p{L}\p{N}#&+._-]{1,64}$/u;

export const ROOM_NAME_RULE =
  'room must be 1 to 64 letters, digits or any of # & + . _ - and not only dots ' +
  '(for example #ubuntu or ubuntu-meeting)';

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM_NAME_PATTERN.test(value) && !/^\.+$/.test(value);
}

export function IsRoomName(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isRoomName',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: ROOM_NAME_RULE, ...options },
      validator: { validate: isRoomName },
    });
}
