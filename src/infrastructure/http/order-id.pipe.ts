import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ORDER_ID_PATTERN } from './dto/create-payout.dto';
import { httpError } from './http-exception.filter';

@Injectable()
export class OrderIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ORDER_ID_PATTERN.test(value))
      throw httpError(HttpStatus.BAD_REQUEST, ['orderId must be 1 to 64 letters, digits, "_" or "-"'], 'invalid_order_id');
    return value;
  }
}
