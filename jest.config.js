// Every unit and integration test that needs no Docker engine. The Docker suite has its own
// config (jest.docker.config.js) so `npm test` never depends on a daemon.
const esmTypeScript = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings with the `.js` suffix NodeNext requires; jest resolves the `.ts` file.
  // `@shipyard/shared/<module>` maps to the source itself, so a test and the action it loads share
  // one copy of each shared module (one InputError class) whichever way they import it. The test
  // tree's packages map the same way, as their package.json exports say (CONTRIBUTING.md, "Imports"):
  // `@shipyard/harness/<module>` and `@shipyard/emulators/<module>` to their .ts files, and
  // `@shipyard/emulators/aws` and `/github` to each emulator's index.ts, `@shipyard/demo-app/<module>`
  // to demo-app/src (and `/test/<module>` to demo-app/test).
  moduleNameMapper: {
    '^@shipyard/shared/(.*)$': '<rootDir>/actions/shared/src/$1',
    '^@shipyard/harness/(.*)$': '<rootDir>/test/harness/$1',
    '^@shipyard/emulators/(aws|github)$': '<rootDir>/test/emulators/$1/index.ts',
    '^@shipyard/emulators/(.*)$': '<rootDir>/test/emulators/$1',
    '^@shipyard/demo-app/test/(.*)$': '<rootDir>/demo-app/test/$1',
    '^@shipyard/demo-app/(.*)$': '<rootDir>/demo-app/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/test/harness/jest-setup.ts'],
  globalSetup: '<rootDir>/test/harness/jest-global-setup.js',
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/', '<rootDir>/demo-app/dist/'],
};

export { esmTypeScript };

export default {
  ...esmTypeScript,
  testMatch: [
    '<rootDir>/actions/*/__tests__/**/*.test.ts',
    '<rootDir>/demo-app/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/rehearsal/__tests__/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '\\.(docker|realtime)\\.test\\.ts$'],
  testTimeout: 30_000,
};
