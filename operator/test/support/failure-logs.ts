/**
 * Mocha root hooks for the integration suite: when a test fails, print what every operator process
 * that ran during it logged last, so a failure in CI (or one that happens once in five runs) can be
 * understood from the run's output alone.
 */
import { operatorLogsSince } from './operator-process.js';

let testStarted = Date.now();

export const mochaHooks = {
  beforeEach(): void {
    testStarted = Date.now();
  },
  afterEach(this: Mocha.Context): void {
    if (this.currentTest?.state !== 'failed') return;
    const logs = operatorLogsSince(testStarted);
    if (logs)
      console.log(
        logs
          .split('\n')
          .map((line) => `      ${line}`)
          .join('\n'),
      );
  },
};
