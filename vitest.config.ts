import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    // End-to-end tests spawn the CLI; two cores run them well with a couple of workers.
    maxWorkers: 2,
    // The SDK's notice that its 2027 releases need Node 22 (README: Node support) is noise in test logs.
    env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
