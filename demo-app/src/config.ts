/**
 * The demo app's configuration, read once from the environment and validated up front: a bad value
 * stops the process before it listens, with one line naming the variable and what it accepts.
 * Empty values count as unset, since task definitions and compose files often pass `VAR=`.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** 0 lets the OS choose, which tests and benchmarks use. */
  port: number;
  /** Address to bind; unset binds every interface. */
  host?: string;
  version: string;
  commit: string;
  environment: string;
  builtAt?: string;
  logLevel: LogLevel;
  /** How long in-flight requests may run after SIGTERM before their connections are cut. */
  shutdownGraceMs: number;
  /**
   * Idle keep-alive timeout. It must outlast the load balancer's idle timeout (60 s on an ALB by
   * default), or the balancer reuses a socket Node just closed and answers 502.
   */
  keepAliveTimeoutMs: number;
  /**
   * How long a client may take to send a request's headers, counted from its first byte (or from
   * connecting, for a connection that sends nothing) until the blank line that ends them. Past it
   * the connection gets a 408 and is closed, so a slow or stalled client (slowloris) cannot hold a
   * connection, or the shutdown, for long.
   */
  headersTimeoutMs: number;
  /** Connections open at once; past it Node closes new connections as soon as it accepts them. */
  maxConnections: number;
  /** Mounts /__test/* routes; for the shutdown test and the benchmark only. */
  testRoutes: boolean;
}

export const DEFAULTS = {
  port: 3000,
  version: '0.0.0-dev',
  commit: 'unknown',
  environment: 'development',
  logLevel: 'info',
  // ECS sends SIGKILL 30 s after SIGTERM unless the container's stopTimeout says otherwise; finish
  // before that so the exit is ours.
  shutdownGraceMs: 25_000,
  keepAliveTimeoutMs: 65_000,
  // An ALB sends a request's headers in one go once it has them all, whatever its own client does,
  // so behind it headers arrive in milliseconds; only a client that bypasses the balancer (or an
  // attack) sends them slowly. 10 s covers a congested network with room to spare, is a sixth of
  // the ALB's 60 s idle timeout, and is shorter than the shutdown grace period, so a stalled client
  // is cut off long before it could matter to a stop. (Node's default, 60 s checked every 30 s,
  // let a half-sent request hold a connection for up to 90 s.)
  headersTimeoutMs: 10_000,
  // Enough for an ALB (which opens a connection per concurrent request and reuses it) and far more
  // than one Node process serves at once; each open connection costs tens of KiB at most (socket,
  // parser, up to 16 KiB of headers), so 1000 stay in a few tens of MiB of a 512 MiB task.
  maxConnections: 1_000,
} as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function valueOf(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = valueOf(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  }
  return parsed;
}

function matching(env: Env, name: string, fallback: string, pattern: RegExp, expected: string): string {
  const value = valueOf(env, name);
  if (value === undefined) return fallback;
  if (!pattern.test(value)) throw new ConfigError(name, `must be ${expected}, got ${shown(value)}`);
  return value;
}

function timestamp(env: Env, name: string): string | undefined {
  const value = valueOf(env, name);
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ConfigError(name, `must be an ISO 8601 time such as 2026-01-31T12:00:00Z, got ${shown(value)}`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const value = valueOf(env, name)?.toLowerCase();
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new ConfigError(name, `must be true, false, 1 or 0, got ${shown(value)}`);
}

export function parseConfig(env: Env): Config {
  const logLevel = valueOf(env, 'LOG_LEVEL')?.toLowerCase() ?? DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got ${shown(logLevel)}`);
  }
  return {
    port: integer(env, 'PORT', DEFAULTS.port, 0, 65_535),
    host: valueOf(env, 'HOST'),
    version: matching(
      env,
      'APP_VERSION',
      DEFAULTS.version,
      /^[\w.+\-/]{1,128}$/,
      'a version of at most 128 letters, digits and . + - _ / (for example 1.4.2 or 1.4.2-rc.1)',
    ),
    commit: matching(
      env,
      'GIT_SHA',
      DEFAULTS.commit,
      /^(?:[0-9a-f]{7,64}|unknown)$/i,
      'a git commit SHA (7 to 64 hexadecimal digits)',
    ),
    environment: matching(
      env,
      'DEPLOY_ENV',
      DEFAULTS.environment,
      /^[A-Za-z0-9][\w.-]{0,62}$/,
      'a name of letters, digits, . _ - (for example staging or production)',
    ),
    builtAt: timestamp(env, 'BUILT_AT'),
    logLevel: logLevel as LogLevel,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', DEFAULTS.shutdownGraceMs, 0, 600_000),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', DEFAULTS.keepAliveTimeoutMs, 1, 600_000),
    // At most Node's whole-request timeout (300 s), which it refuses to be shorter than this one.
    headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', DEFAULTS.headersTimeoutMs, 1, 300_000),
    maxConnections: integer(env, 'MAX_CONNECTIONS', DEFAULTS.maxConnections, 1, 1_000_000),
    testRoutes: flag(env, 'DEMO_APP_TEST_ROUTES'),
  };
}
