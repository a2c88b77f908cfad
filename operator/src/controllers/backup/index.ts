/**
 * The backup controllers: the scheduler that takes each plan's backups and prunes them, and the
 * TenantRestore controller that restores one.
 */
export { BackupScheduler, backupFieldManager, type BackupSchedulerDeps } from './scheduler.js';
export { createRestoreController, type RestoreController, type RestoreControllerDeps } from './restore-controller.js';
