#!/usr/bin/env node
// The .knet language server for any LSP client: `knet-language-server --stdio`.
// The server runs with its Node flags (server/src/protocol/node-flags.ts, where the reason
// is; a test keeps this list the same). V8 takes them only at launch, so when started
// without them this starts the server again with them, stdio passed through.
const FLAGS = ['--max-semi-space-size=64'];
const server = require.resolve('../dist/server.cjs');
if (process.channel || FLAGS.every(f => process.execArgv.includes(f))) {
    // Launched with the flags, or over Node IPC (which a child could not share).
    require(server);
} else {
    const child = require('node:child_process').spawn(process.execPath, [...process.execArgv, ...FLAGS, server, ...process.argv.slice(2)], { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
}
