// Runs langium-cli's generator with the Node 20 polyfills loaded first.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'node_modules', 'langium-cli', 'bin', 'langium.js');
const r = spawnSync(process.execPath, ['--require', path.join(__dirname, 'polyfills.cjs'), cli, 'generate', '--file', 'langium-config.json'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
