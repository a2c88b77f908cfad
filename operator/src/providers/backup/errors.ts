/**
 * The errors the backup provider throws. Each carries a CamelCase `reason` for a condition or an
 * Event, and a message that names the operation; none carries a data key or a password.
 */

export class BackupError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object store could not be reached or refused a request. */
export class BackupStoreUnavailable extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('BackupStoreUnavailable', message, options);
  }
}

/** A backup could not be taken (pg_dump, KMS or the upload failed); no manifest was written. */
export class BackupFailed extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('BackupFailed', message, options);
  }
}

/** The backup does not exist, is incomplete, or does not match its manifest. */
export class BackupNotUsable extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('BackupNotUsable', message, options);
  }
}

/** KMS refused to open the backup's data key for this target: another tenant's backup, without an override. */
export class RestoreRefused extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('RestoreRefused', message, options);
  }
}

/** The restore ran but the restored row counts differ from the manifest's. */
export class RestoreNotVerified extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('RestoreNotVerified', message, options);
  }
}

/**
 * The backup and the target are of different tiers (a pooled tenant's schema, a database of its
 * own), or a pooled backup names another schema: refused before anything is opened or changed.
 */
export class RestoreTierMismatch extends BackupError {
  constructor(message: string, options?: ErrorOptions) {
    super('RestoreTierMismatch', message, options);
  }
}
