/**
 * The shapes of the audit's probes on the wire: the namespaces probed (a site: one listening pod
 * and one trying pod, labelled as the tenant's app pods are), the ports tried, what each attempt
 * showed, and the probed matrix that goes into the report beside the analyzer's prediction.
 */

/** A namespace where the audit runs its probe pods. */
export interface ProbeSite {
  namespace: string;
  /** The tenant whose namespace it is; absent for a platform namespace (the ingress controller's). */
  tenant?: { name: string; uid: string };
  /** The labels both probe pods carry: the tenant's app pods' labels, so policies select them alike. */
  labels: Record<string, string>;
  /** Names the listener gives its ports, by port: the app pods' own, so named policy ports match alike. */
  portNames: Record<number, string>;
}

export interface ProbePlan {
  /** Names this run's pods, so a run never touches another run's pods. */
  runId: string;
  sites: ProbeSite[];
  /** TCP ports every listener serves and every pair is tried on. */
  ports: number[];
}

/**
 * What one attempt showed. `connected` and `refused` are measured; `unknown` is anything else (a
 * pod that did not start, a result that did not come back, a failed control), never a verdict.
 */
export type Verdict = 'connected' | 'refused' | 'unknown';

/** One attempt from a site's trying pod to a site's listening pod on one port. */
export interface Attempt {
  from: string;
  to: string;
  port: number;
  verdict: Verdict;
  /** Why the verdict is unknown, in words. */
  why?: string;
}

/** A listening pod as it came up: its address, or why it has none. */
export interface Listener {
  namespace: string;
  pod: string;
  address?: string;
  /** The pod's labels as created (what the prediction judges). */
  labels: Record<string, string>;
  problem?: string;
}

/** The measurement: every attempt, and when it was made. */
export interface Observation {
  startedAt: string;
  finishedAt: string;
  plan: ProbePlan;
  listeners: Listener[];
  /** The trying pods' addresses, where known (an ingress rule may name addresses). */
  tryingAddresses: Record<string, string>;
  attempts: Attempt[];
}

/** A cell of the probed matrix: per port, what the analyzer predicts for these pods and what was seen. */
export interface ProbedCell {
  from: string;
  to: string;
  /** Ports the analyzer says the probe pod of `from` may open to the probe pod of `to`. */
  predicted: string[];
  /** Ports that connected on the wire. */
  observed: string[];
  /** Ports with no measured answer. */
  unknown: string[];
}

export interface ProbedMatrix {
  startedAt: string;
  finishedAt: string;
  namespaces: string[];
  ports: string[];
  cells: ProbedCell[];
}

/** The label on every probe pod, with the run id as its value: how leftovers are found. */
export const probeRunLabel = 'bulkhead.dev/audit-probe';

export const formatPort = (port: number): string => `tcp/${port}`;
