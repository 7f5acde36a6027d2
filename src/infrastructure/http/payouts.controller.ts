import { Body, Controller, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { PayoutRequests } from '../../application/payouts/payout-requests';
import { PayoutView } from '../../domain/payout/payout-view';
import { GetPayoutQuery } from '../../application/payouts/queries/get-payout.query';
import { AuthenticatedRequest } from './auth/api-key.guard';
import { Roles } from './auth/roles.decorator';
import { commandContextFrom } from './command-context.factory';
import { CreatePayoutDto } from './dto/create-payout.dto';
import { SubmitDestinationDto } from './dto/submit-destination.dto';
import { ApiErrors } from './openapi/api-errors.decorator';
import { PayoutSchema } from './openapi/payout.schema';
import { OrderIdPipe } from './order-id.pipe';

@ApiTags('bot')
@Controller('v1/payouts')
export class PayoutsController {
  constructor(
    private readonly payouts: PayoutRequests,
    private readonly queries: QueryBus,
  ) {}

  /** 201 when the order is new, 200 when the same order is replayed. */
  @Post()
  @Roles('bot')
  @ApiOperation({
    summary: 'The PIX is confirmed: record it and start the payout',
    description: 'Idempotent by orderId. Any 4xx records nothing.',
  })
  @ApiCreatedResponse({ type: PayoutSchema, description: 'A new order' })
  @ApiOkResponse({ type: PayoutSchema, description: 'The same order with the same values again' })
  @ApiErrors({
    400:
      'Invalid body (`validation_failed`, `malformed_json`, `body_not_object`, ...) or a destination that is ' +
      'neither a Lightning Address nor a BOLT11',
    409: 'The orderId exists with other values, or the endToEndId or invoice belongs to another order (`invoice_in_use`)',
    413: '`payload_too_large`',
    415: '`unsupported_media_type`',
    422: 'A BOLT11 that can never pay this payout (amount, expiry, network, signature)',
  })
  async confirm(
    @Body() body: CreatePayoutDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PayoutView> {
    const { orderId, pix, amountSats } = body;
    const result = await this.payouts.decide(
      orderId,
      {
        type: 'ConfirmPix',
        data: {
          orderId,
          endToEndId: pix.endToEndId,
          amountCents: pix.amountCents,
          paidAt: pix.paidAt,
          amountSats,
          destination: body.destination ?? null,
        },
      },
      commandContextFrom(request),
    );
    response.status(result.created ? 201 : 200);
    return result.payout;
  }

  @Put(':orderId/destination')
  @Roles('bot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Give or replace the destination',
    description:
      'Allowed while the payout awaits a destination or has FAILED. Idempotent: the destination already accepted, sent ' +
      'again, answers 200 with the payout in any state but FAILED (where it starts a new attempt).',
  })
  @ApiAcceptedResponse({ type: PayoutSchema })
  @ApiOkResponse({ type: PayoutSchema, description: 'The same destination as the one already accepted: nothing new recorded' })
  @ApiErrors({
    400: 'Invalid body or orderId',
    404: 'Unknown order',
    409: 'A payment is settled or still in flight',
    422: 'A BOLT11 that can never pay this payout',
  })
  async submitDestination(
    @Param('orderId', OrderIdPipe) orderId: string,
    @Body() body: SubmitDestinationDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PayoutView> {
    const result = await this.payouts.decide(
      orderId,
      { type: 'SubmitDestination', data: { destination: body.destination } },
      commandContextFrom(request),
    );
    if (!result.recorded) response.status(200);
    return result.payout;
  }

  @Get(':orderId')
  @Roles('bot', 'admin', 'auditor')
  @ApiOperation({ summary: 'One payout' })
  @ApiOkResponse({ type: PayoutSchema })
  @ApiErrors({ 400: '`invalid_order_id`', 404: 'Unknown order' })
  get(@Param('orderId', OrderIdPipe) orderId: string): Promise<PayoutView> {
    return this.queries.execute(new GetPayoutQuery(orderId));
  }
}
