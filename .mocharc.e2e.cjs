// Mocha settings for the e2e suite (make test-e2e).
module.exports = {
  'node-option': ['import=tsx'],
  require: ['e2e/support/local.ts'],
  timeout: 300000,
  slow: 30000,
  bail: true,
  reporter: './hack/mocha-reporter.cjs',
  // SPEC=path[,path] runs only those files (make test-e2e SPEC=...).
  spec: process.env.SPEC ? process.env.SPEC.split(',') : ['e2e/**/*.spec.ts'],
};
