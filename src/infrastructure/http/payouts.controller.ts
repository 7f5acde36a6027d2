import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Response } from 'express';
import { ConfirmPixCommand } from '../../application/payouts/commands/confirm-pix.command';
import { SubmitDestinationCommand } from '../../application/payouts/commands/submit-destination.command';
import { PayoutView } from '../../application/payouts/payout-view';
import { GetPayoutQuery } from '../../application/payouts/queries/get-payout.query';
import { ID_GENERATOR, IdGenerator } from '../../application/ports/clock.port';
import { AuthenticatedRequest } from './auth/api-key.guard';
import { Roles } from './auth/roles.decorator';
import { commandContextFrom } from './command-context.factory';
import { CreatePayoutDto } from './dto/create-payout.dto';
import { SubmitDestinationDto } from './dto/submit-destination.dto';
import { OrderIdPipe } from './order-id.pipe';

@Controller('v1/payouts')
export class PayoutsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** 201 when the order is new, 200 when the same order is replayed. */
  @Post()
  @Roles('bot')
  async confirm(@Body() body: CreatePayoutDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) response: Response): Promise<PayoutView> {
    const result = await this.commands.execute(
      new ConfirmPixCommand(
        body.orderId,
        { endToEndId: body.pix.endToEndId, amountCents: body.pix.amountCents, paidAt: body.pix.paidAt },
        body.amountSats,
        body.destination ?? null,
        commandContextFrom(request, this.ids),
      ),
    );
    response.status(result.created ? 201 : 200);
    return result.payout;
  }

  @Put(':orderId/destination')
  @Roles('bot')
  @HttpCode(202)
  submitDestination(@Param('orderId', OrderIdPipe) orderId: string, @Body() body: SubmitDestinationDto, @Req() request: AuthenticatedRequest): Promise<PayoutView> {
    return this.commands.execute(new SubmitDestinationCommand(orderId, body.destination, commandContextFrom(request, this.ids)));
  }

  @Get(':orderId')
  @Roles('bot', 'admin', 'auditor')
  get(@Param('orderId', OrderIdPipe) orderId: string): Promise<PayoutView> {
    return this.queries.execute(new GetPayoutQuery(orderId));
  }
}
