/**
 * Runs one pool key operation in a child process, so that a spec can set BULKHEAD_CRASH_AT and watch
 * it die part-way (support/pool-key.ts). The request arrives as JSON in BULKHEAD_CRASH_CHILD_REQUEST.
 */
import { createLogger } from '../../../src/runtime/logging.js';
import { AwsKmsProvider } from '../../../src/providers/kms/index.js';
import { PooledKeyProvider, promoteTenantKey } from '../../../src/providers/kms/pool/index.js';
import { soleActorFence } from './fence.js';
import { FileDataKeyStore, operatorPrincipal, type PoolKeyChildRequest } from './pool-key.js';

const request = JSON.parse(process.env.BULKHEAD_CRASH_CHILD_REQUEST ?? '{}') as PoolKeyChildRequest;
const logger = createLogger({ silent: true });
const pool = new PooledKeyProvider(request.endpoint, { logger, operatorPrincipal });
const dedicated = new AwsKmsProvider(request.endpoint, { logger });
const store = new FileDataKeyStore(request.storePath);
try {
  if (request.operation === 'ensureTenant') await pool.ensureTenant(request.spec, store, soleActorFence);
  else await promoteTenantKey({ pool, dedicated, spec: request.spec, store, fence: soleActorFence });
} finally {
  pool.close();
  dedicated.close();
}
