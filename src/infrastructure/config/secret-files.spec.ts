import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../test/support/temp-dir';
import { InvalidConfigurationError, loadConfig } from './load-config';

describe('secrets from files (<NAME>_FILE)', () => {
  const temp = makeTempDir('pll-secret-files');
  afterAll(() => temp.remove());
  const file = (name: string, content: string) => {
    const path = join(temp.path, name);
    writeFileSync(path, content);
    return path;
  };
  const problems = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as InvalidConfigurationError).problems;
    }
  };

  it('reads every key and secret from its file, without the trailing newline', () => {
    const config = loadConfig({
      VOLTZ_URL: 'https://voltz.example',
      VOLTZ_ADMIN_KEY_FILE: file('admin-key', 'spend-key\n'),
      VOLTZ_READ_KEY_FILE: file('read-key', 'read-key'),
      BOT_API_KEYS_FILE: file('bot', 'bot-key-one-of-24-chars-x,bot-key-two-of-24-chars-x\n'),
      ADMIN_API_KEYS_FILE: file('admin', 'admin-key-of-24-characters\n'),
      BOT_WEBHOOK_URL: 'https://bot.example/hook',
      BOT_WEBHOOK_SECRET_FILE: file('webhook', 'a-webhook-secret-of-some-length\n'),
    });
    expect(config.voltz).toEqual({ url: 'https://voltz.example', adminKey: 'spend-key', readKey: 'read-key' });
    expect(config.apiKeys.bot).toEqual(['bot-key-one-of-24-chars-x', 'bot-key-two-of-24-chars-x']);
    expect(config.apiKeys.admin).toEqual(['admin-key-of-24-characters']);
    expect(config.webhook?.secret).toBe('a-webhook-secret-of-some-length');
  });

  it('the read key falls back to the admin key', () => {
    const config = loadConfig({
      VOLTZ_URL: 'https://voltz.example',
      VOLTZ_ADMIN_KEY: 'k',
      BOT_API_KEYS: 'b'.repeat(24),
      ADMIN_API_KEYS: 'a'.repeat(24),
    });
    expect(config.voltz?.readKey).toBe('k');
  });

  it('names a missing file and a variable set twice, never echoing a secret', () => {
    const found = problems({ ADMIN_API_KEYS: 'inline-secret', ADMIN_API_KEYS_FILE: file('a', 'x'), BOT_API_KEYS_FILE: '/nowhere/bot' });
    expect(found).toEqual(
      expect.arrayContaining([
        'ADMIN_API_KEYS and ADMIN_API_KEYS_FILE are both set: set one',
        'BOT_API_KEYS_FILE: cannot read /nowhere/bot (ENOENT)',
      ]),
    );
    expect(found.join('\n')).not.toContain('inline-secret');
  });
});
