/**
 * The probe pods, pure builders. Both run the probe image (busybox, non-root) and pass Pod Security
 * `restricted`, the operator's confinement and the tenant namespace's admission policies:
 *
 * - the listening pod serves HTTP on every probed port. It carries the app's labels, so a readiness
 *   gate nobody sets keeps it out of the app's Services (no customer request reaches it), and a
 *   controller owner reference to the Tenant keeps the app's ReplicaSet from adopting it (and lets
 *   the garbage collector remove it with the Tenant);
 * - the trying pod opens one TCP connection to each target at once, `nc -w` bounding each, and
 *   writes one `index=1|0` per target to its termination message, which the audit reads from the
 *   pod's status: no exec, no log access.
 *
 * Both stop on their own (activeDeadlineSeconds) if the audit that made them dies before deleting them.
 */
import { apiVersion, tenantKind } from '../../api/tenant.js';
import type { KubeObject } from '../../runtime/types.js';
import { probeRunLabel, type ProbeSite } from './model.js';

export const probeImageDefault = 'bulkhead.dev/probe:local';

/** The readiness gate nobody sets: the listener is never Ready, so no Service sends it traffic. */
export const neverReadyGate = 'bulkhead.dev/audit-probe-not-serving';

export interface ProbePodSettings {
  image: string;
  /** Seconds each connection may take before it counts as not connected. */
  connectTimeoutSeconds: number;
  /** Seconds after which a probe pod stops by itself. */
  deadlineSeconds: number;
  /**
   * Seconds a trying pod waits before its first attempt. Enforcers program a new pod's rules
   * asynchronously (kube-router after it sees the pod's address): a pod that tries at once is
   * measured in the window before its own egress rules exist, which is not the steady state the
   * policies describe.
   */
  settleSeconds: number;
}

export const defaultProbePodSettings: ProbePodSettings = {
  image: probeImageDefault,
  connectTimeoutSeconds: 3,
  deadlineSeconds: 300,
  settleSeconds: 5,
};

export const listenerName = (runId: string): string => `bulkhead-probe-${runId}-listen`;
export const tryingName = (runId: string): string => `bulkhead-probe-${runId}-try`;

export type ProbePod = KubeObject & { spec: Record<string, unknown> };

export interface Target {
  address: string;
  port: number;
}

function base(site: ProbeSite, name: string, runId: string, settings: ProbePodSettings): ProbePod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: site.namespace,
      labels: { ...site.labels, [probeRunLabel]: runId },
      ...(site.tenant
        ? {
            ownerReferences: [
              { apiVersion, kind: tenantKind, name: site.tenant.name, uid: site.tenant.uid, controller: true, blockOwnerDeletion: false },
            ],
          }
        : {}),
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: settings.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    },
  };
}

/** The listener's container ports, named as the site's app names them (see ProbeSite.portNames). */
export const listenerPorts = (site: ProbeSite, ports: readonly number[]): { containerPort: number; protocol: 'TCP'; name?: string }[] =>
  ports.map((port) => ({ containerPort: port, protocol: 'TCP', ...(site.portNames[port] ? { name: site.portNames[port] } : {}) }));

function container(settings: ProbePodSettings, command: string[], ports: readonly object[] = []): Record<string, unknown> {
  return {
    name: 'probe',
    image: settings.image,
    imagePullPolicy: 'IfNotPresent',
    command,
    ...(ports.length > 0 ? { ports } : {}),
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
    terminationMessagePolicy: 'File',
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  };
}

/**
 * The listeners' deadline: they must outlive every round of trying pods (⌈sites / concurrency⌉
 * rounds, each bounded by the wait for a trying pod), or the last rounds find them gone. The
 * deadline is only the backstop for an audit that died before deleting them.
 */
export function listenerDeadlineSeconds(settings: ProbePodSettings, rounds: number, roundSeconds: number): number {
  return settings.deadlineSeconds + rounds * roundSeconds;
}

/** Serves HTTP on every port (httpd daemonizes), then waits for the deadline. */
export function listenerPod(site: ProbeSite, runId: string, ports: readonly number[], settings = defaultProbePodSettings): ProbePod {
  const pod = base(site, listenerName(runId), runId, settings);
  const script = `for port in ${ports.join(' ')}; do httpd -p "$port" -h /www || exit 1; done; exec sleep ${settings.deadlineSeconds}`;
  // A non-root process may bind a port below 1024 only where this safe (namespaced) sysctl allows it.
  const lowPorts = ports.some((port) => port < 1024);
  return {
    ...pod,
    spec: {
      ...pod.spec,
      readinessGates: [{ conditionType: neverReadyGate }],
      securityContext: {
        ...(pod.spec.securityContext as object),
        ...(lowPorts ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] } : {}),
      },
      containers: [container(settings, ['sh', '-c', script], listenerPorts(site, ports))],
    },
  };
}

/**
 * Waits `settleSeconds`, tries every target at once and writes `0=1 1=0 ...` (target index = 1 when it connected) to the
 * termination message; a target without an answer is left out, which the reader takes as unknown.
 */
export const tryingScript = (timeout: number, settleSeconds: number, resultFile = '/dev/termination-log'): string =>
  [
    `sleep ${settleSeconds}`,
    'i=0; dir="${TMPDIR:-/tmp}"',
    `for target in "$@"; do (nc -w ${timeout} "\${target%:*}" "\${target##*:}" </dev/null >/dev/null 2>&1 && echo 1 || echo 0) >"$dir/r.$i" & i=$((i+1)); done`,
    'wait',
    'out=""; j=0',
    'while [ "$j" -lt "$i" ]; do [ -s "$dir/r.$j" ] && out="$out $j=$(cat "$dir/r.$j")"; j=$((j+1)); done',
    `echo "$out" >${resultFile}`,
  ].join('\n');

export function tryingPod(site: ProbeSite, runId: string, targets: readonly Target[], settings = defaultProbePodSettings): ProbePod {
  const pod = base(site, tryingName(runId), runId, settings);
  const args = targets.map((target) => `${target.address}:${target.port}`);
  return {
    ...pod,
    spec: {
      ...pod.spec,
      containers: [
        container(settings, ['sh', '-c', tryingScript(settings.connectTimeoutSeconds, settings.settleSeconds), 'probe', ...args]),
      ],
    },
  };
}
