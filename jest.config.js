/** Jest runs the TypeScript sources through ts-jest in CommonJS mode. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    // TS151002: ts-jest prefers isolatedModules with NodeNext; we keep full type checking.
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  testTimeout: 60000,
};
