import { ValidationPipeOptions } from '@nestjs/common';

/**
 * How every input is validated, HTTP bodies and event payloads alike: unknown fields rejected,
 * types transformed, the first problem of each field reported.
 */
export const VALIDATION_OPTIONS: ValidationPipeOptions = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: true,
});
