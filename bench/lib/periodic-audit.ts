/**
 * The operator's periodic isolation audit as the benches read it: a signing key for it to sign
 * with, the pass its log reports ("Audited tenant isolation", or the failure), whether the leader
 * kept its lease meanwhile, and whether the report it published reassembles and verifies.
 * bench/audit.ts and bench/onboarding.ts (BENCH_AUDIT=1) both measure with it.
 */
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPublishedReport } from '../../operator/src/audit/publish.js';
import { loadPublicKey, verifyReport } from '../../operator/src/audit/report/index.js';
import type { KubeClient } from '../../operator/src/kube/client.js';

/** The Secret the bench's operator signs its reports with (audit.signingKeySecret). */
export const signingSecret = { namespace: 'bulkhead-system', name: 'bench-audit-signing-key' };

/** Where the operator publishes its report (the default audit.reportConfigMap). */
export const publishedReportAt = { namespace: 'bulkhead-system', name: 'bulkhead-audit-report' };

export interface SigningKey {
  /** The private key in PKCS#8 PEM, written to `dir` (for `bulkhead audit --signing-key`). */
  keyFile: string;
  publicKeyPem: string;
}

/** A fresh Ed25519 key, written to `dir` and stored in the Secret the operator signs with. */
export async function installSigningKey(client: KubeClient, dir: string): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'signing.pem');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(keyFile, privatePem);
  await client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: signingSecret, stringData: { 'private.pem': privatePem } } as never, {
    fieldManager: 'bench',
    force: true,
  });
  return { keyFile, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

type LogLine = Record<string, unknown>;

/** Every JSON line the child writes to stdout, parsed, in order. */
export function jsonLogLines(child: ChildProcess): LogLine[] {
  const lines: LogLine[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer | string) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (a partial write interleaved with another stream): not what is looked for.
      }
    }
  });
  return lines;
}

const isPassEnd = (line: LogLine): boolean =>
  line.message === 'Audited tenant isolation' || String(line.message).startsWith('Isolation audit failed');

/**
 * When a pass's last line says it started: its timestamp less the seconds it logs (both lines, the
 * success and the failure, carry the cost). NaN when the line has neither.
 */
export function passStartedAt(line: LogLine): number {
  return Date.parse(String(line.timestamp)) - Number(line.seconds) * 1000;
}

/** The first pass (finished or failed) that started at or after `since` (ms), as its last log line. */
export function passStartedSince(logs: readonly LogLine[], since: number): LogLine | undefined {
  return logs.find((line) => isPassEnd(line) && passStartedAt(line) >= since);
}

/** The first pass that ended, whenever it started. */
export function firstPass(logs: readonly LogLine[]): LogLine | undefined {
  return logs.find(isPassEnd);
}

/**
 * Whether the process kept the leader's lease: it never logged losing it, and acquired it once
 * (a second "Acquired" is a re-acquire after a loss).
 */
export function leaseKept(logs: readonly LogLine[]): boolean {
  const lost = logs.some((l) => String(l.message).includes('lease lost') || String(l.message).includes('Lost the leader lease'));
  const acquired = logs.filter((l) => l.message === 'Acquired leader lease').length;
  return !lost && acquired <= 1;
}

export interface PublishedReport {
  publishedBytes: number;
  publishedVerifies: boolean;
}

/** Reads the published report (reassembled from its parts) and verifies its signature with the bench's key; kept in `dir`. */
export async function verifyPublished(client: KubeClient, publicKeyPem: string, dir: string): Promise<PublishedReport> {
  const published = await readPublishedReport(client, publishedReportAt);
  if (!published) return { publishedBytes: 0, publishedVerifies: false };
  writeFileSync(join(dir, 'published-report.json'), published);
  const verification = verifyReport(published, loadPublicKey(publicKeyPem, 'the bench key'));
  return { publishedBytes: published.length, publishedVerifies: verification.ok };
}
