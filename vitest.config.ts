import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs anywhere in seconds; `integration` runs against the real
// sandbox (hack/sandbox), which its global setup brings up or reuses.
const conditions = ['@moor/source'];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'controllers/*/src/**/*.test.ts',
            'cli/src/**/*.test.ts',
            'hack/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // The sandbox is one cluster on two cores: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
