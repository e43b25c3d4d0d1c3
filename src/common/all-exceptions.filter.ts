import { STATUS_CODES } from 'node:http';

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';

import { ErrorResponseDto } from './error-response.dto';

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: unknown): void;
}

/**
 * Gives every error the same body: statusCode, error, message. Messages of HTTP errors are
 * written for clients; anything else becomes a 500 whose details stay in the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReplyLike>();
    const body = this.toErrorBody(exception);
    reply.code(body.statusCode).header('content-type', 'application/json').send(body);
  }

  private toErrorBody(exception: unknown): ErrorResponseDto {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = errorBody(status, messageOf(exception));
      if (status >= 500) this.logger.error(`${status}: ${body.message}`);
      else this.logger.debug(`${status}: ${body.message}`);
      return body;
    }

    const status = httpStatusOf(exception);
    if (status) return errorBody(status, (exception as Error).message);

    this.logger.error('Unhandled error', (exception as Error)?.stack ?? String(exception));
    return errorBody(500, 'Internal server error');
  }
}

export function errorBody(statusCode: number, message: string): ErrorResponseDto {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;

  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Fastify's own client errors (malformed JSON, body too large) carry a 4xx statusCode. */
function httpStatusOf(exception: unknown): number | undefined {
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
