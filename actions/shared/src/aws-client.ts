/**
 * Timeouts every AWS SDK client of the actions sets. The SDK's own default is no timeout at all: an
 * answer that never comes (a half-open connection, an overloaded endpoint) would hold a job until
 * GitHub cancels it after 6 hours. With these, a silent endpoint is a `TimeoutError`, which the
 * SDK's standard retry strategy retries like any transient failure.
 *
 * AWS API answers take well under a second; 15 s leaves room for a slow network without letting a
 * dead connection eat the job.
 *
 * `throwOnRequestTimeout` is needed: without it, @smithy/node-http-handler 4.x only logs a warning
 * when `requestTimeout` passes and goes on waiting.
 */
export const AWS_CONNECTION_TIMEOUT_MS = 5_000;
export const AWS_REQUEST_TIMEOUT_MS = 15_000;

/** The `requestHandler` option for an AWS SDK v3 client (NodeHttpHandler options, given as a plain object). */
export function awsRequestHandlerOptions(): {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: true;
} {
  return {
    connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
    requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  };
}
