import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configSchema, loadConfig } from '../../src/config.js';
import { configTable } from '../../src/config-docs.js';

const SECRET = 'a-secret-that-is-at-least-32-characters-long';

/** The variables a ConfigError names, one per "  NAME: problem" line. */
function namedVariables(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(':')[0]!);
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('fills in defaults for an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 4000,
      DATABASE_POOL_SIZE: 10,
      DATABASE_POOL_TIMEOUT_MS: 5000,
      EMBEDDED_DATA_DIR: '.data/pglite',
      CONTENT_ROOT: 'content',
      LOG_LEVEL: 'info',
      AI_MODEL: 'gpt-4o-mini',
      AI_TIMEOUT_MS: 15000,
      SHUTDOWN_GRACE_MS: 10000,
    });
  });

  it('treats empty variables as unset (as `FOO= npm start` means)', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('coerces numbers and keeps valid values', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgresql://app@db.internal:5432/dezhoumama?sslmode=require',
      REDIS_URL: 'redis://cache:6379/0',
      JWT_SECRET: SECRET,
      DATABASE_POOL_SIZE: '25',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      PORT: 8080,
      DATABASE_URL: 'postgresql://app@db.internal:5432/dezhoumama?sslmode=require',
      REDIS_URL: 'redis://cache:6379/0',
      JWT_SECRET: SECRET,
      DATABASE_POOL_SIZE: 25,
    });
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    // Parses as a URL with the scheme "localhost:"; pg would fail later with a far worse message.
    ['DATABASE_URL', { DATABASE_URL: 'localhost:5432/dezhoumama' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://root@127.0.0.1/dezhoumama' }],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
    ['AI_BASE_URL', { AI_BASE_URL: 'ftp://models.example' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['DATABASE_POOL_SIZE', { DATABASE_POOL_SIZE: '0' }],
  ])('names %s when it is malformed', (variable, env) => {
    expect(namedVariables(env)).toEqual([variable]);
  });

  it('requires JWT_SECRET in production', () => {
    expect(namedVariables({ NODE_ENV: 'production' })).toEqual(['JWT_SECRET']);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).not.toThrow();
    expect(loadConfig({ NODE_ENV: 'development' }).JWT_SECRET).toBeUndefined();
  });

  it('names every bad variable at once, the missing production secret included', () => {
    expect(namedVariables({ NODE_ENV: 'production', PORT: 'x', DATABASE_URL: 'nope' }).sort()).toEqual([
      'DATABASE_URL',
      'JWT_SECRET',
      'PORT',
    ]);
  });

  it('describes every variable (the README table is made from these descriptions)', () => {
    const undescribed = Object.entries(configSchema.shape)
      .filter(([, schema]) => !schema.description)
      .map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  it('is documented in README.md by the table made from configSchema (npm run docs:config)', () => {
    const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    const cells = (table: string) =>
      table
        .split('\n')
        .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()));
    const documented = /<!-- config-table:start[^>]*-->([\s\S]*?)<!-- config-table:end -->/.exec(readme)?.[1] ?? '';
    expect(cells(documented)).toEqual(cells(configTable()));
  });
});
