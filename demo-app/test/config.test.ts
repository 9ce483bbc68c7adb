import { describe, expect, test } from '@jest/globals';
import { ConfigError, DEFAULTS, parseConfig } from '../src/config.js';

describe('parseConfig', () => {
  test('an empty environment gives the defaults', () => {
    expect(parseConfig({})).toEqual({
      port: 3000,
      host: undefined,
      version: DEFAULTS.version,
      commit: 'unknown',
      environment: 'development',
      builtAt: undefined,
      logLevel: 'info',
      shutdownGraceMs: 25_000,
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 10_000,
      maxConnections: 1_000,
      testRoutes: false,
    });
  });

  test('every variable is read', () => {
    expect(
      parseConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        APP_VERSION: '1.4.2-rc.1',
        GIT_SHA: '0123456789abcdef0123456789abcdef01234567',
        DEPLOY_ENV: 'production',
        BUILT_AT: '2026-11-27T14:00:00Z',
        LOG_LEVEL: 'WARN',
        SHUTDOWN_GRACE_MS: '5000',
        KEEP_ALIVE_TIMEOUT_MS: '75000',
        HEADERS_TIMEOUT_MS: '5000',
        MAX_CONNECTIONS: '250',
        DEMO_APP_TEST_ROUTES: 'true',
      }),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      version: '1.4.2-rc.1',
      commit: '0123456789abcdef0123456789abcdef01234567',
      environment: 'production',
      builtAt: '2026-11-27T14:00:00Z',
      logLevel: 'warn',
      shutdownGraceMs: 5000,
      keepAliveTimeoutMs: 75_000,
      headersTimeoutMs: 5000,
      maxConnections: 250,
      testRoutes: true,
    });
  });

  test.each([
    ['PORT', '0', { port: 0 }],
    ['PORT', '65535', { port: 65_535 }],
    ['PORT', ' 8080 ', { port: 8080 }],
    ['PORT', '', { port: 3000 }],
    ['GIT_SHA', 'abc1234', { commit: 'abc1234' }],
    ['GIT_SHA', 'ABCDEF0', { commit: 'ABCDEF0' }],
    ['APP_VERSION', 'v2', { version: 'v2' }],
    ['APP_VERSION', 'main-0123abc', { version: 'main-0123abc' }],
    ['BUILT_AT', '2026-11-27T14:00:00.123+01:00', { builtAt: '2026-11-27T14:00:00.123+01:00' }],
    ['LOG_LEVEL', 'silent', { logLevel: 'silent' }],
    ['SHUTDOWN_GRACE_MS', '0', { shutdownGraceMs: 0 }],
    ['HEADERS_TIMEOUT_MS', '300000', { headersTimeoutMs: 300_000 }],
    ['MAX_CONNECTIONS', '1', { maxConnections: 1 }],
    ['DEMO_APP_TEST_ROUTES', '0', { testRoutes: false }],
    ['DEMO_APP_TEST_ROUTES', '1', { testRoutes: true }],
  ])('%s=%j is accepted', (name, value, expected) => {
    expect(parseConfig({ [name]: value })).toMatchObject(expected);
  });

  test.each([
    ['PORT', 'abc', 'PORT must be a whole number from 0 to 65535, got "abc"'],
    ['PORT', '70000', 'PORT must be a whole number from 0 to 65535, got "70000"'],
    ['PORT', '-1', 'PORT must be a whole number from 0 to 65535, got "-1"'],
    ['PORT', '80.5', 'PORT must be a whole number'],
    ['PORT', '0x50', 'PORT must be a whole number'],
    ['PORT', '1e3', 'PORT must be a whole number'],
    ['SHUTDOWN_GRACE_MS', 'soon', 'SHUTDOWN_GRACE_MS must be a whole number from 0 to 600000, got "soon"'],
    ['SHUTDOWN_GRACE_MS', '600001', 'SHUTDOWN_GRACE_MS must be a whole number from 0 to 600000'],
    ['KEEP_ALIVE_TIMEOUT_MS', '0', 'KEEP_ALIVE_TIMEOUT_MS must be a whole number from 1 to 600000'],
    ['HEADERS_TIMEOUT_MS', '0', 'HEADERS_TIMEOUT_MS must be a whole number from 1 to 300000, got "0"'],
    ['HEADERS_TIMEOUT_MS', '300001', 'HEADERS_TIMEOUT_MS must be a whole number from 1 to 300000'],
    ['MAX_CONNECTIONS', '0', 'MAX_CONNECTIONS must be a whole number from 1 to 1000000, got "0"'],
    ['MAX_CONNECTIONS', 'many', 'MAX_CONNECTIONS must be a whole number from 1 to 1000000'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['GIT_SHA', 'not-a-sha', 'GIT_SHA must be a git commit SHA'],
    ['GIT_SHA', 'abc12', 'GIT_SHA must be a git commit SHA'],
    ['APP_VERSION', '1.0 beta', 'APP_VERSION must be a version'],
    ['APP_VERSION', 'v'.repeat(129), 'APP_VERSION must be a version'],
    ['DEPLOY_ENV', 'prod;rm', 'DEPLOY_ENV must be a name'],
    ['BUILT_AT', 'yesterday', 'BUILT_AT must be an ISO 8601 time'],
    ['BUILT_AT', '2026-13-45T99:99:00Z', 'BUILT_AT must be an ISO 8601 time'],
    ['DEMO_APP_TEST_ROUTES', 'yes', 'DEMO_APP_TEST_ROUTES must be true, false, 1 or 0'],
  ])('%s=%j is refused with a message naming it', (name, value, message) => {
    let thrown: unknown;
    try {
      parseConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(name);
    expect((thrown as ConfigError).message.startsWith(message)).toBe(true);
    expect((thrown as ConfigError).message).not.toContain('\n');
  });

  test('a very long bad value is shortened in the message', () => {
    expect(() => parseConfig({ PORT: '9'.repeat(500) })).toThrow(/got "9{80}…"$/);
  });
});
