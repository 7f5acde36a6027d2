import { describeError } from '../../application/describe-error';
import { AppConfig } from '../config/app-config';

/** Why the service could not start, in one line that names what the operator must change. */
export function describeStartupFailure(error: unknown, config: AppConfig): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const address = `${config.host ?? '*'}:${config.port}`;
  if (code === 'EADDRINUSE') return `port ${config.port} is already in use on ${config.host ?? 'every interface'} (PORT, HOST)`;
  if (code === 'EADDRNOTAVAIL') return `HOST ${config.host} is not an address of this machine (${address})`;
  if (code === 'EACCES' && (error as { syscall?: string }).syscall === 'listen') return `no permission to listen on ${address} (PORT)`;
  return describeError(error).replace(/\s*\n\s*/g, ' ');
}
