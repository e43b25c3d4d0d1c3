import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { RedisContext } from '@nestjs/microservices';
import { EMPTY, Observable } from 'rxjs';

import { BadEventLog } from './bad-event-log';
import { BadEventError } from './event-payload.pipe';

/**
 * The last stop of an event handler's failure: a bad payload becomes one rate-limited line, any
 * other error one error line, and nothing travels back to the transport (an event has no one
 * to answer, and an error left in the stream would only be logged again by Nest).
 */
@Catch()
export class BadEventFilter implements ExceptionFilter {
  private readonly logger = new Logger(BadEventFilter.name);

  constructor(private readonly badEvents: BadEventLog) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const channel = host.switchToRpc().getContext<RedisContext>().getChannel();
    if (exception instanceof BadEventError) {
      this.badEvents.report(channel, exception.reason, exception.payload);
    } else {
      this.logger.error(`Handling a ${channel} event failed`, (exception as Error)?.stack);
    }
    return EMPTY;
  }
}
