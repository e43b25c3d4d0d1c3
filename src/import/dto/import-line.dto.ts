import { registerDecorator, ValidationOptions } from 'class-validator';

import { CreateMessageDto } from '../../messages/dto/create-message.dto';

/** ISO-8601 with a date, a time and a zone (`Z` or an offset), as chat logs write it. */
const ISO_TIMESTAMP =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d)(?::\d\d(?:\.\d{1,9})?)?(?:Z|([+-])(\d\d):?(\d\d))$/;

export const TIMESTAMP_RULE =
  'ts must be an ISO-8601 time with a zone (2018-05-31T01:05:27Z) or epoch milliseconds, ' +
  'from 1970 on';

/**
 * One line of an import: a message as POST /message takes it, with the same rules, plus the
 * time it was originally written.
 */
export class ImportLineDto extends CreateMessageDto {
  @IsImportTimestamp()
  ts?: string | number;
}

/** Epoch milliseconds of a valid `ts`, undefined for anything else. */
export function importTimestamp(ts: unknown): number | undefined {
  const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? parseIso(ts) : undefined;
  return ms !== undefined && Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

/** Date.parse rolls 2018-02-30 over to March; a time that does not read back is refused. */
function parseIso(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;

  const [, minute, sign, hours, minutes] = match;
  const offsetMs = sign
    ? (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000
    : 0;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + offsetMs).toISOString().slice(0, 16) === minute ? ms : undefined;
}

/** Optional; when present, a time importTimestamp understands. */
function IsImportTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isImportTimestamp',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: TIMESTAMP_RULE, ...options },
      validator: {
        validate: (value: unknown) => value === undefined || importTimestamp(value) !== undefined,
      },
    });
}
