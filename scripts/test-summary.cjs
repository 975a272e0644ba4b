// Prints the closing line CI reads, "N passed, N failed", from vitest JSON reports.
'use strict';
const fs = require('node:fs');
let passed = 0, failed = 0, skipped = 0, missing = 0;
for (const file of process.argv.slice(2)) {
    if (!fs.existsSync(file)) { missing++; continue; }
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    // A test file that failed to load has no tests of its own to count: count it once.
    failed += (r.testResults ?? []).filter(t => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
// A report that never got written is a failed run, not an empty one.
failed += missing;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
