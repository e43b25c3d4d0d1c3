import { Inject, Injectable } from '@nestjs/common';
import {
  registerDecorator,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** Text length bounded by MESSAGE_MAX_LENGTH, counted in characters (code points). */
@ValidatorConstraint({ name: 'messageTextLimit' })
@Injectable()
export class MessageTextLimit implements ValidatorConstraintInterface {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length === 0) return false;
    return countCharacters(value) <= this.config.messageMaxLength;
  }

  defaultMessage(args: ValidationArguments): string {
    const max = this.config.messageMaxLength;
    return `${args.property} must be 1 to ${max} characters`;
  }
}

export function IsWithinMessageLimit(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      target: target.constructor,
      propertyName: propertyName.toString(),
      validator: MessageTextLimit,
    });
}

function countCharacters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
