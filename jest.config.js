/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run typecheck`'s job; tests transpile only (tsconfig.test.json: isolatedModules).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  // One real Temporal dev server for the whole run (see test/global-setup.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // FC_SEED / FC_PATH replay a failed property (test/setup/fast-check.ts).
  setupFilesAfterEnv: ['<rootDir>/test/setup/fast-check.ts'],
  testTimeout: 60_000,
  // Two cores: two workers keep the Temporal server and the tests from starving each other.
  maxWorkers: 2,
};
