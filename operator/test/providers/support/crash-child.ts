/**
 * Runs one provider operation in a child process, so that a spec can set BULKHEAD_CRASH_AT and
 * watch the operation die part-way exactly as a crashed operator would. The request arrives as
 * JSON in BULKHEAD_CRASH_CHILD_REQUEST (not argv, which would show the password to `ps`).
 */
import { createLogger } from '../../../src/runtime/logging.js';
import { PostgresDatabaseProvider } from '../../../src/providers/database/index.js';
import { PooledDatabaseProvider } from '../../../src/providers/database/pooled/index.js';
import { AwsKmsProvider } from '../../../src/providers/kms/index.js';
import type { CrashChildRequest } from './crash.js';
import { soleActorFence } from './fence.js';

const request = JSON.parse(process.env.BULKHEAD_CRASH_CHILD_REQUEST ?? '{}') as CrashChildRequest;
const logger = createLogger({ silent: true });

async function runDatabase(request: Extract<CrashChildRequest, { provider: 'database' }>): Promise<void> {
  const provider = new PostgresDatabaseProvider(request.server, { logger, snapshotDir: request.snapshotDir });
  try {
    if (request.operation === 'ensure') await provider.ensure(request.spec, request.password ?? '');
    if (request.operation === 'retain') await provider.retain(request.spec);
    if (request.operation === 'snapshotAndDrop') await provider.snapshotAndDrop(request.spec, soleActorFence);
    if (request.operation === 'drop') await provider.drop(request.spec, soleActorFence);
  } finally {
    await provider.close();
  }
}

async function runPooled(request: Extract<CrashChildRequest, { provider: 'pooled' }>): Promise<void> {
  const provider = new PooledDatabaseProvider(request.server, { logger });
  try {
    if (request.operation === 'ensure') await provider.ensure(request.spec, request.password ?? '');
    if (request.operation === 'drop') await provider.drop(request.spec, soleActorFence);
  } finally {
    await provider.close();
  }
}

async function runPromotion(request: Extract<CrashChildRequest, { provider: 'promotion' }>): Promise<void> {
  const provider = new PooledDatabaseProvider(request.server, { logger });
  try {
    if (request.operation === 'stopWrites') await provider.stopWrites(request.spec);
    if (request.operation === 'copy') await provider.copyToOwnDatabase(request.spec, soleActorFence);
    if (request.operation === 'dropFromPool') await provider.dropFromPool(request.spec, soleActorFence);
  } finally {
    await provider.close();
  }
}

async function runKms(request: Extract<CrashChildRequest, { provider: 'kms' }>): Promise<void> {
  const provider = new AwsKmsProvider(request.endpoint, { logger });
  try {
    if (request.operation === 'ensureKey') await provider.ensureKey(request.spec);
    if (request.operation === 'scheduleDeletion') await provider.scheduleDeletion(request.spec, 7, soleActorFence);
  } finally {
    provider.close();
  }
}

if (request.provider === 'database') await runDatabase(request);
else if (request.provider === 'pooled') await runPooled(request);
else if (request.provider === 'promotion') await runPromotion(request);
else await runKms(request);
