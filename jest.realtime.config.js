// The suites that wait out real time the AWS SDK spends on purpose (`npm run test:realtime`): an
// answer held past the clients' 15 s request timeout, and throttling bursts retried with the
// SDK's own backoff. They are kept out of `npm test` so it stays fast; .ci/run runs them.
import config from './jest.config.js';

export default {
  ...config,
  testMatch: ['<rootDir>/**/*.realtime.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120_000,
};
