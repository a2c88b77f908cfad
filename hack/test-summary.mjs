// Prints one closing line for the whole `make test` run from the counts each mocha run wrote.
import { readdirSync, readFileSync } from 'node:fs';

const dir = '.bulkhead/test-results';
let passed = 0, failed = 0, skipped = 0;
for (const file of readdirSync(dir)) {
  const stats = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  passed += stats.passes;
  failed += stats.failures;
  skipped += stats.pending;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
