/**
 * Takes one backup (or prunes to one) in a child process, so a spec can set BULKHEAD_CRASH_AT and
 * watch it die part-way exactly as a crashed operator would. The request arrives as JSON in
 * BULKHEAD_BACKUP_CHILD_REQUEST.
 */
import { backupWiring, type BackupChildRequest } from './backups.js';
import { soleActorFence } from './fence.js';

const request = JSON.parse(process.env.BULKHEAD_BACKUP_CHILD_REQUEST ?? '{}') as BackupChildRequest;
const wiring = backupWiring(request.workDir);
try {
  if (request.operation === 'backup') await wiring.backups.backup(request.subject, 'Scheduled', soleActorFence);
  else
    await wiring.backups.prune({ tenant: request.subject.database.tenant, tenantUid: request.subject.database.tenantUid }, { keepLast: 1 });
} finally {
  wiring.close();
}
