/**
 * The Node flags the language server runs with, wherever it is started: by the VS Code
 * client, by `knet-language-server` for other editors, and by the benchmark (so that what
 * is measured is what users run).
 *
 * A young generation of 64 MB, not V8's default 16 MB: after an edit of a 5,000-node file
 * the server makes ~140 MB of short-lived objects (the new document text, the model's and
 * the checks' per-version tables) while ~1 GB stays live. With the small default, a dozen
 * scavenges an edit each copied what was still in use and promoted it into the old
 * generation, whose growth then forced mark-compacts; with 64 MB most of it dies young.
 * Measured with the benchmark: see docs/performance.md. V8 reads the size when the heap is
 * set up, so it must be a launch flag (`v8.setFlagsFromString` later has no effect).
 */
export const LANGUAGE_SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
