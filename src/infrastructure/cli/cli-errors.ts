/** Exit codes of `npm run ledger` (docs/api.md): 0 all held, 1 a violation or discrepancy listed, 2 usage or configuration. */
export const EXIT_OK = 0;
export const EXIT_FOUND = 1;
export const EXIT_USAGE = 2;

/** Bad usage or configuration: printed as is, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
