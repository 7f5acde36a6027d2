import { spawnSync } from 'child_process';
import { join } from 'path';

const root = join(__dirname, '..', '..');

describe('start-up', () => {
  it('stops with one clear line per configuration problem and a non-zero exit', () => {
    const result = spawnSync(process.execPath, ['--require', join(root, 'test/support/register-ts.js'), join(root, 'src/main.ts')], {
      env: { PATH: process.env.PATH, PORT: 'http', LIGHTNING_NETWORK: 'mainnet', VOLTZ_ADMIN_KEY: 'super-secret-admin-key' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      'Invalid configuration: PORT must be an integer (got "http")',
      expect.stringMatching(/^Invalid configuration: LIGHTNING_NETWORK must be one of/),
      expect.stringMatching(/^Invalid configuration: VOLTZ_URL is required when VOLTZ_ADMIN_KEY is set/),
    ]);
    expect(result.stdout + result.stderr).not.toContain('super-secret-admin-key');
  });
});
