// `npm start`: what a newcomer sees first — the example checked and traced in the terminal.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const knet = path.join(root, 'bin', 'knet.cjs');
const example = path.join('examples', 'flannel-vxlan.knet');
function run(title, args) {
    console.log(`\n$ knet ${args.join(' ')}    # ${title}`);
    const r = spawnSync(process.execPath, [knet, ...args], { cwd: root, stdio: 'inherit' });
    return r.status;
}
run('diagnostics', ['check', example]);
run('every flow: disposition and path MTU', ['trace', example]);
run('one flow, hop by hop', ['trace', example, '--flow', 'cross-node-clusterip']);
run("node02's routing table as `ip route` prints it", ['routes', example, 'node02']);
