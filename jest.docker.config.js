// The suite that needs a Docker engine and a registry (`npm run test:docker`). Its tests skip with
// a message where no engine is reachable; .ci/run makes one reachable.
import { esmTypeScript } from './jest.config.js';

export default {
  ...esmTypeScript,
  testMatch: ['<rootDir>/**/*.docker.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
