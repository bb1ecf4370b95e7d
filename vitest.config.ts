import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    // End-to-end tests spawn the CLI; two cores run them well with a couple of workers.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
