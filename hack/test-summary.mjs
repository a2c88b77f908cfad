// Prints one closing line for the whole `make test` run from the counts each mocha run wrote.
import { readFileSync } from 'node:fs';

// Usage: node hack/test-summary.mjs <suite>... (the BULKHEAD_TEST_SUITE names of this run)
const dir = '.bulkhead/test-results';
let passed = 0,
  failed = 0,
  skipped = 0;
for (const suite of process.argv.slice(2)) {
  const stats = JSON.parse(readFileSync(`${dir}/${suite}.json`, 'utf8'));
  passed += stats.passes;
  failed += stats.failures;
  skipped += stats.pending;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
