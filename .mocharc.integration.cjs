// Mocha settings for the integration suite (make test-integration).
module.exports = {
  'node-option': ['import=tsx'],
  require: ['testenv/src/mocha-global.ts', 'operator/test/support/failure-logs.ts'],
  timeout: 120000,
  slow: 5000,
  reporter: './hack/mocha-reporter.cjs',
  // SPEC=path[,path] runs only those files (make test-integration SPEC=...).
  spec: process.env.SPEC ? process.env.SPEC.split(',') : ['testenv/test/**/*.spec.ts', 'operator/test/**/*.spec.ts'],
  // The real-node specs need their own environment (make test-node, .mocharc.node.cjs).
  ignore: ['testenv/test/node/**', 'operator/test/wire/**'],
};
