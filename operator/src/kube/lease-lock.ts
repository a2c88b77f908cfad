/** The runtime's LeaseLock on a coordination.k8s.io/v1 Lease, as client-go's resourcelock.LeaseLock. */
import { ConflictError, type LeaderElectionRecord, type LeaseLock } from '../runtime/leader-election.js';
import type { KubeObject } from '../runtime/types.js';
import type { KubeClient } from './client.js';
import { isConflict, type KubeApiError } from './errors.js';

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const leaseType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };

/** MicroTime wants exactly six fractional digits; Date gives three. */
const microTime = (iso: string): string | undefined => (iso ? iso.replace(/\.(\d{3})Z$/, '.$1000Z') : undefined);

export class KubeLeaseLock implements LeaseLock {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<{ record: LeaderElectionRecord; resourceVersion: string } | undefined> {
    const lease = await this.client.get<Lease>({ ...leaseType, namespace: this.namespace, name: this.name });
    if (!lease) return undefined;
    const spec = lease.spec ?? {};
    return {
      resourceVersion: lease.metadata.resourceVersion ?? '',
      record: {
        holderIdentity: spec.holderIdentity ?? '',
        leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
        acquireTime: spec.acquireTime ?? '',
        renewTime: spec.renewTime ?? '',
        leaderTransitions: spec.leaseTransitions ?? 0,
      },
    };
  }

  async create(record: LeaderElectionRecord): Promise<string> {
    return this.write(() => this.client.create<Lease>(this.lease(record), { fieldManager: 'bulkhead-leader-election' }));
  }

  async update(record: LeaderElectionRecord, resourceVersion: string): Promise<string> {
    // A PUT with the resourceVersion we read (or last wrote): the server refuses it if anyone wrote in between.
    return this.write(() => this.client.replace<Lease>(this.lease(record, resourceVersion), { fieldManager: 'bulkhead-leader-election' }));
  }

  /** The written Lease's resourceVersion ('' if the answer had none). */
  private async write(send: () => Promise<Lease | undefined>): Promise<string> {
    try {
      const written = await send();
      return written?.metadata.resourceVersion ?? '';
    } catch (error) {
      if (isConflict(error)) throw new ConflictError((error as KubeApiError).message, { cause: error });
      throw error;
    }
  }

  private lease(record: LeaderElectionRecord, resourceVersion?: string): Lease {
    return {
      ...leaseType,
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: Math.ceil(record.leaseDurationSeconds),
        acquireTime: microTime(record.acquireTime),
        renewTime: microTime(record.renewTime),
        leaseTransitions: record.leaderTransitions,
      },
    };
  }
}
