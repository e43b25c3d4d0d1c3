/**
 * The service's configuration: read from the environment once at start-up, every problem
 * reported together, then frozen. Names of the original service stay valid.
 */
export type StorageKind = 'local' | 's3';
export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface S3Config {
  readonly endpoint?: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly prefix: string;
  readonly createBucket: boolean;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly valkeyUrl: string;
  readonly hotRetention: number;
  readonly messageMaxLength: number;
  readonly bodyLimitBytes: number;
  readonly importBodyLimitBytes: number;
  readonly corsOrigins: readonly string[];
  readonly storage: StorageKind;
  readonly archiveDir: string;
  readonly s3: S3Config;
  readonly exportBatchSize: number;
  readonly exportLockTtlMs: number;
  readonly exportThreshold: number;
  readonly exportMaxLagMs: number;
  readonly sweepIntervalMs: number;
  readonly triggersEnabled: boolean;
  readonly logLevel: LogLevelName;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** From the most to the least severe; a level shows itself and everything above it. */
export const LOG_LEVELS: readonly LogLevelName[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Reads one variable at a time and collects what is wrong instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  text(name: string, fallback: string): string {
    const value = this.env[name]?.trim();
    return value ? value : fallback;
  }

  optionalText(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;

    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;

    this.problems.push(`${name}="${raw}" must be true or false`);
    return fallback;
  }

  choice<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;

    this.problems.push(`${name}="${raw}" must be one of: ${allowed.join(', ')}`);
    return fallback;
  }
}

function readValkeyUrl(reader: EnvReader): string {
  const url = reader.optionalText('VALKEY_URL');
  if (url) {
    if (!/^(redis|rediss|valkey|valkeys):\/\/[^\s]+$/.test(url)) {
      reader.problems.push(`VALKEY_URL="${url}" must look like redis://host:port[/db]`);
    }
    return url.replace(/^valkey(s?):/, 'redis$1:');
  }

  const host = reader.text('VALKEY_HOST', '127.0.0.1');
  const port = reader.integer('VALKEY_PORT', 6379, 1, 65535);
  return `redis://${host}:${port}`;
}

function readS3(reader: EnvReader, storage: StorageKind): S3Config {
  const s3: S3Config = {
    endpoint: reader.optionalText('S3_ENDPOINT'),
    bucket: reader.text('S3_BUCKET', ''),
    region: reader.text('S3_REGION', 'us-east-1'),
    accessKeyId: reader.optionalText('S3_ACCESS_KEY'),
    secretAccessKey: reader.optionalText('S3_SECRET_KEY'),
    prefix: reader.text('S3_PREFIX', '').replace(/^\/+|\/+$/g, ''),
    createBucket: reader.flag('S3_CREATE_BUCKET', false),
  };

  if (storage === 's3' && !s3.bucket) {
    reader.problems.push('S3_BUCKET is required when STORAGE=s3');
  }
  if (s3.endpoint && !/^https?:\/\/\S+$/.test(s3.endpoint)) {
    reader.problems.push(`S3_ENDPOINT="${s3.endpoint}" must be an http:// or https:// URL`);
  }
  if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
    reader.problems.push('S3_ACCESS_KEY and S3_SECRET_KEY must be set together');
  }
  return s3;
}

function readCorsOrigins(reader: EnvReader): string[] {
  return reader
    .text('CORS_ORIGINS', '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/** Builds the frozen configuration, or throws one ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): AppConfig {
  const reader = new EnvReader(env);
  const storage = reader.choice<StorageKind>('STORAGE', 'local', ['local', 's3']);

  const config: AppConfig = {
    port: reader.integer('PORT', 8080, 0, 65535),
    host: reader.text('HOST', '0.0.0.0'),
    valkeyUrl: readValkeyUrl(reader),
    hotRetention: reader.integer('HOT_RETENTION', 10_000, 0, 10_000_000),
    messageMaxLength: reader.integer('MESSAGE_MAX_LENGTH', 4000, 1, 100_000),
    bodyLimitBytes: reader.integer('BODY_LIMIT_BYTES', 65_536, 1024, 1_073_741_824),
    importBodyLimitBytes: reader.integer(
      'IMPORT_BODY_LIMIT_BYTES',
      16_777_216,
      1024,
      1_073_741_824,
    ),
    corsOrigins: readCorsOrigins(reader),
    storage,
    archiveDir: reader.text('ARCHIVE_DIR', './data/archive'),
    s3: readS3(reader, storage),
    exportBatchSize: reader.integer('EXPORT_BATCH_SIZE', 50_000, 100, 1_000_000),
    exportLockTtlMs: reader.integer('EXPORT_LOCK_TTL_MS', 30_000, 1000, 3_600_000),
    exportThreshold: reader.integer('EXPORT_THRESHOLD', 1000, 1, 10_000_000),
    exportMaxLagMs: reader.integer('EXPORT_MAX_LAG_MS', 300_000, 100, 86_400_000 * 30),
    sweepIntervalMs: reader.integer('SWEEP_INTERVAL_MS', 0, 0, 86_400_000),
    triggersEnabled: reader.flag('TRIGGERS_ENABLED', true),
    logLevel: reader.choice<LogLevelName>('LOG_LEVEL', 'log', LOG_LEVELS),
  };

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return Object.freeze({ ...config, s3: Object.freeze(config.s3) });
}

/** The configuration as an operator may see it in logs: no secrets, no credentials in URLs. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    port: config.port,
    host: config.host,
    valkey: config.valkeyUrl.replace(/\/\/[^@/]*@/, '//***@'),
    hotRetention: config.hotRetention,
    messageMaxLength: config.messageMaxLength,
    bodyLimitBytes: config.bodyLimitBytes,
    importBodyLimitBytes: config.importBodyLimitBytes,
    cors: config.corsOrigins.length > 0 ? config.corsOrigins : 'off',
    storage: config.storage,
    archive:
      config.storage === 'local'
        ? config.archiveDir
        : `s3://${config.s3.bucket}/${config.s3.prefix}`,
    s3Endpoint: config.storage === 's3' ? (config.s3.endpoint ?? 'aws') : undefined,
    exportThreshold: config.exportThreshold,
    exportMaxLagMs: config.exportMaxLagMs,
    triggers: config.triggersEnabled ? 'on' : 'off',
    logLevel: config.logLevel,
  };
}
