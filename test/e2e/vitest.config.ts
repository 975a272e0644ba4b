import { defineConfig } from 'vitest/config';

// The real-client suite: code-server in Chromium, its extension host, Neovim, Emacs eglot.
// Separate from `npm test` (unit tests) because it needs the tools scripts/e2e/setup.sh
// installs. One file at a time: each starts an editor, and the machine has two cores.
export default defineConfig({
    test: {
        root: new URL('../..', import.meta.url).pathname,
        // Not *.test.ts: the unit run (npm test, test/**/*.test.ts) must not pick these up.
        include: ['test/e2e/**/*.e2e.ts'],
        testTimeout: 180_000,
        hookTimeout: 180_000,
        pool: 'forks',
        fileParallelism: false,
        reporters: ['default', 'json'],
        outputFile: { json: 'test-output/e2e.json' },
    },
});
