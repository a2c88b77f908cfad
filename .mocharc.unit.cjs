// Mocha settings for the unit suite (make test-unit).
module.exports = {
  'node-option': ['import=tsx'],
  timeout: 10000,
  reporter: './hack/mocha-reporter.cjs',
  // SPEC=path[,path] runs only those files (make test-unit SPEC=...).
  spec: process.env.SPEC
    ? process.env.SPEC.split(',')
    : ['operator/src/**/*.test.ts', 'testenv/src/**/*.test.ts', 'pulumi/test/**/*.test.ts', 'hack/**/*.test.ts', 'bench/**/*.test.ts'],
};
