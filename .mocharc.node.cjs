// Mocha settings for the real-node suite (make test-node): the environment starts with a real
// node (BULKHEAD_NODE=real). The files run in this order; cleanup runs last, because it stops
// the environment and checks that nothing of the node is left on the machine.
process.env.BULKHEAD_NODE = 'real';
module.exports = {
  'node-option': ['import=tsx'],
  require: ['testenv/src/mocha-global.ts', 'operator/test/support/failure-logs.ts'],
  timeout: 180000,
  slow: 10000,
  reporter: './hack/mocha-reporter.cjs',
  // SPEC=path[,path] runs only those files (make test-node SPEC=...).
  spec: process.env.SPEC
    ? process.env.SPEC.split(',')
    : [
        'testenv/test/node/pods.spec.ts',
        'testenv/test/node/network-policy.spec.ts',
        'testenv/test/node/egress.spec.ts',
        'testenv/test/node/lock.spec.ts',
        'operator/test/wire/isolation.spec.ts',
        'operator/test/wire/probe-audit.spec.ts',
        'testenv/test/node/cleanup.spec.ts',
      ],
};
