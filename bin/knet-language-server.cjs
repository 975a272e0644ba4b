#!/usr/bin/env node
// The .knet language server for any LSP client: `knet-language-server --stdio`.
require('../dist/server.cjs');
