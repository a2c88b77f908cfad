// Mocha's spec reporter, plus the run's counts written to .bulkhead/test-results/<suite>.json
// so that `make test` can print one closing line for all of its mocha runs.
const { mkdirSync, writeFileSync } = require('node:fs');
const Mocha = require('mocha');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const suite = process.env.BULKHEAD_TEST_SUITE;
      if (!suite) return;
      mkdirSync('.bulkhead/test-results', { recursive: true });
      writeFileSync(`.bulkhead/test-results/${suite}.json`, JSON.stringify(runner.stats));
    });
  }
}

module.exports = SpecWithSummary;
