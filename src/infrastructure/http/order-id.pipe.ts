import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ORDER_ID_PATTERN } from './dto/create-payout.dto';

@Injectable()
export class OrderIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ORDER_ID_PATTERN.test(value)) throw new BadRequestException(['orderId must be 1 to 64 letters, digits, "_" or "-"']);
    return value;
  }
}
