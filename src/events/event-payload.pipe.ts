import { BadRequestException, PipeTransform, Type, ValidationPipe } from '@nestjs/common';

import { jsonShapeProblem } from '../common/json-shape';
import { VALIDATION_OPTIONS } from '../common/validation-options';

/** An event payload that cannot be handled; the reason is safe to log. */
export class BadEventError extends Error {
  constructor(
    readonly reason: string,
    readonly payload?: unknown,
  ) {
    super(reason);
    this.name = 'BadEventError';
  }
}

/**
 * Validates an event payload with the rules and options of HTTP bodies and hands the handler an
 * instance of its payload class. A payload that is not a JSON object (a raw string when the body
 * was not JSON, `null`, an array, a number) fails before class-transformer sees it.
 */
export class EventPayloadPipe<T extends object> implements PipeTransform<unknown, Promise<T>> {
  private readonly validation = new ValidationPipe(VALIDATION_OPTIONS);

  constructor(private readonly payloadType: Type<T>) {}

  async transform(value: unknown): Promise<T> {
    if (!isPlainObject(value)) {
      throw new BadEventError(`payload must be a JSON object, not ${describe(value)}`, value);
    }
    const shapeProblem = jsonShapeProblem(value);
    if (shapeProblem) throw new BadEventError(shapeProblem, value);

    try {
      return (await this.validation.transform(value, {
        type: 'body',
        metatype: this.payloadType,
      })) as T;
    } catch (error) {
      throw new BadEventError(reasonOf(error), value);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string (the body was not JSON)';
  return `a ${typeof value}`;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof BadRequestException)) return (error as Error)?.message ?? String(error);

  const message = (error.getResponse() as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
}
