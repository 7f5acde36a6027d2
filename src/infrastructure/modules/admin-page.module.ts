import { Module } from '@nestjs/common';
import { AdminPageController } from '../http/admin-page.controller';

@Module({ controllers: [AdminPageController] })
export class AdminPageModule {}
