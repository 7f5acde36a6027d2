import { Controller, Get, HttpStatus, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { httpError } from './http-exception.filter';

/** The page's files sit at the repository root, the same three levels up from src/ (ts-node) and dist/ (npm start). */
const PAGE_DIR = resolve(__dirname, '../../../admin-page');

const ASSETS: Record<string, string> = { 'admin-page.css': 'text/css', 'admin-page.js': 'text/javascript' };

/**
 * The admin page: static HTML, CSS and JS, loaded without a key. The browser
 * asks for an admin key and calls the admin API itself; the CSP lets the page
 * talk to this origin only and run no inline script, so a hostile orderId or
 * lastError that slipped past escaping still could not execute.
 */
// A web page, not an API: it is served to browsers and documented in docs/operations.md ("The admin page"), not in the OpenAPI contract.
@ApiExcludeController()
@Controller('admin')
export class AdminPageController {
  private readonly files = new Map<string, Buffer>(
    ['index.html', ...Object.keys(ASSETS)].map((name) => [name, readFileSync(resolve(PAGE_DIR, name))]),
  );

  @Get()
  page(@Res() response: Response): void {
    this.send(response, 'index.html', 'text/html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw httpError(HttpStatus.NOT_FOUND, 'No such admin page file', 'not_found');
    this.send(response, file, type);
  }

  private send(response: Response, name: string, type: string): void {
    response
      .set({
        'Content-Security-Policy':
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " +
          "base-uri 'none'; form-action 'none'",
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      })
      .type(type)
      .send(this.files.get(name));
  }
}
