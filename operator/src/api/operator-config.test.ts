import assert from 'node:assert/strict';
import { kmsRequestsPerSecondDefaults, parseOperatorConfig } from './operator-config.js';

describe('the operator configuration: provider limits', () => {
  it("defaults to AWS KMS's published quotas (5/s for every operation that changes a key or alias) and 4 connections per PostgreSQL server", () => {
    const { providerLimits } = parseOperatorConfig({});
    for (const operation of [
      'CreateKey',
      'CreateAlias',
      'PutKeyPolicy',
      'TagResource',
      'EnableKeyRotation',
      'ScheduleKeyDeletion',
    ] as const) {
      assert.equal(providerLimits.kms.requestsPerSecond[operation], 5, operation);
    }
    assert.deepEqual(providerLimits.kms.requestsPerSecond, kmsRequestsPerSecondDefaults);
    assert.equal(providerLimits.kms.burst, 1);
    assert.equal(providerLimits.database.maxConnectionsPerServer, 4);
  });

  it('keeps the defaults of the operations a partial budget leaves out', () => {
    const { providerLimits } = parseOperatorConfig({ providerLimits: { kms: { requestsPerSecond: { CreateKey: 20 } } } });
    assert.equal(providerLimits.kms.requestsPerSecond.CreateKey, 20);
    assert.equal(providerLimits.kms.requestsPerSecond.CreateAlias, 5);
  });

  it('refuses bad budgets with the field and the rule', () => {
    const refusals: [unknown, RegExp][] = [
      [
        { providerLimits: { kms: { requestsPerSecond: { CreateKey: 0 } } } },
        /providerLimits\.kms\.requestsPerSecond\.CreateKey: must be a number of requests per second above 0/,
      ],
      [
        { providerLimits: { kms: { requestsPerSecond: { Encrypt: 3 } } } },
        /providerLimits\.kms\.requestsPerSecond: Unrecognized key: "Encrypt"/,
      ],
      [{ providerLimits: { kms: { throttleSlowdown: 1 } } }, /providerLimits\.kms\.throttleSlowdown: must be above 0 and below 1/],
      [{ providerLimits: { kms: { maxWaitSeconds: -1 } } }, /providerLimits\.kms\.maxWaitSeconds/],
      [
        { providerLimits: { database: { maxConnectionsPerServer: 1 } } },
        /providerLimits\.database\.maxConnectionsPerServer: Too small: expected number to be >=2/,
      ],
      [
        {
          regions: {
            'eu-central-1': {
              database: { host: 'db', adminSecret: { namespace: 'n', name: 's' } },
              kms: { accountId: '123456789012', requestsPerSecond: { CreateKey: -5 } },
            },
          },
        },
        /regions\.eu-central-1\.kms\.requestsPerSecond\.CreateKey: must be a number of requests per second above 0/,
      ],
    ];
    for (const [input, expected] of refusals) assert.throws(() => parseOperatorConfig(input), expected);
  });
});

describe('the operator configuration: backups', () => {
  it("is off unless configured, and defaults the prefix, the work directory, the pace and the operator's identity", () => {
    assert.equal(parseOperatorConfig({}).backups, undefined);
    assert.deepEqual(parseOperatorConfig({ backups: { bucket: 'acme-backups', region: 'eu-central-1' } }).backups, {
      bucket: 'acme-backups',
      region: 'eu-central-1',
      forcePathStyle: false,
      prefix: 'bulkhead/',
      workDir: '/var/lib/bulkhead/snapshots/backup-work',
      checkIntervalSeconds: 60,
      timeoutSeconds: 1800,
      operatorPrincipalTemplate: 'arn:{partition}:iam::{accountId}:role/bulkhead-operator',
    });
  });

  it('refuses a bad bucket or prefix with the field and the rule', () => {
    assert.throws(
      () => parseOperatorConfig({ backups: { bucket: 'Acme_Backups', region: 'eu-central-1' } }),
      /backups\.bucket: must be an S3 bucket name/,
    );
    assert.throws(
      () => parseOperatorConfig({ backups: { bucket: 'acme-backups', region: 'eu-central-1', prefix: '../x' } }),
      /backups\.prefix: must be empty or path segments each ending in "\/"/,
    );
  });
});

describe('the operator configuration: promotion', () => {
  it('bounds failed verifications at 3 by default, keeping the snapshot directory when only one is set', () => {
    assert.deepEqual(parseOperatorConfig({}).database.promotion, { maxVerificationFailures: 3 });
    const database = parseOperatorConfig({ database: { snapshotDir: '/snapshots' } }).database;
    assert.deepEqual(database, { snapshotDir: '/snapshots', promotion: { maxVerificationFailures: 3 } });
    assert.equal(
      parseOperatorConfig({ database: { promotion: { maxVerificationFailures: 1 } } }).database.promotion.maxVerificationFailures,
      1,
    );
  });

  it('refuses a bound below 1 with the field', () => {
    assert.throws(
      () => parseOperatorConfig({ database: { promotion: { maxVerificationFailures: 0 } } }),
      /database\.promotion\.maxVerificationFailures/,
    );
  });
});
