// Bundles the parts with esbuild: node/cjs for the CLI, the language server and the VS Code
// extension; browser/iife for the webview. Langium is ES modules only, so everything Node
// runs comes out as one .cjs file per entry point.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const node = (entry, outfile, extra = {}) => ({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'], ...extra,
});
const builds = [
    node('server/src/cli/bin.ts', 'dist/cli.cjs'),
];
const optional = [
    ['server/src/main.ts', () => node('server/src/main.ts', 'dist/server.cjs')],
    ['client/src/extension.ts', () => node('client/src/extension.ts', 'dist/extension.cjs', { external: ['vscode'] })],
    ['server/src/bench/main.ts', () => node('server/src/bench/main.ts', 'dist/bench.cjs')],
    ['webview/src/main.ts', () => ({
        entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js', bundle: true, platform: 'browser', format: 'iife',
        target: 'es2020', sourcemap: true, logLevel: 'warning', minify: !watch,
    })],
];
for (const [file, make] of optional) if (existsSync(file)) builds.push(make());

if (watch) {
    for (const b of builds) (await esbuild.context(b)).watch();
} else {
    await Promise.all(builds.map(b => esbuild.build(b)));
}
