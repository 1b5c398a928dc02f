/** Jest on native ESM (Prisma 7's client is ESM-only), TypeScript compiled by SWC. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
      },
    ],
  },
  globalSetup: '<rootDir>/tests/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.mjs',
  testTimeout: 30000,
  maxWorkers: 2,
};
