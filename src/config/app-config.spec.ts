import { ConfigError, describeConfig, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('runs with no variables at all', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 8080,
      valkeyUrl: 'redis://127.0.0.1:6379',
      hotRetention: 10_000,
      messageMaxLength: 4000,
      storage: 'local',
      archiveDir: './data/archive',
      exportThreshold: 1000,
      exportMaxLagMs: 300_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('builds the Valkey URL from the original VALKEY_HOST and VALKEY_PORT', () => {
    expect(loadConfig({ VALKEY_HOST: 'cache', VALKEY_PORT: '6380' }).valkeyUrl).toBe(
      'redis://cache:6380',
    );
  });

  it('prefers VALKEY_URL and accepts the valkey:// scheme', () => {
    const config = loadConfig({ VALKEY_URL: 'valkey://db:7000/2', VALKEY_HOST: 'ignored' });
    expect(config.valkeyUrl).toBe('redis://db:7000/2');
  });

  it('reports every bad variable in one error', () => {
    const env = {
      PORT: 'eighty',
      HOT_RETENTION: '-1',
      MESSAGE_MAX_LENGTH: '0',
      STORAGE: 'floppy',
      S3_ACCESS_KEY: 'key-without-secret',
    };

    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of Object.keys(env)) expect(problems).toContain(name);
  });

  it('requires a bucket for S3 storage', () => {
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow(/S3_BUCKET is required/);
  });
});

describe(describeConfig.name, () => {
  it('never shows secrets or credentials', () => {
    const config = loadConfig({
      VALKEY_URL: 'redis://user:hunter2@db:6379',
      STORAGE: 's3',
      S3_BUCKET: 'chat',
      S3_ACCESS_KEY: 'AKIAEXAMPLE',
      S3_SECRET_KEY: 'very-secret',
    });

    const logged = JSON.stringify(describeConfig(config));
    expect(logged).not.toMatch(/hunter2|AKIAEXAMPLE|very-secret/);
    expect(logged).toContain('s3://chat/');
  });
});
