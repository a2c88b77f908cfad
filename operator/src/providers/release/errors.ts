/**
 * What can go wrong between a plan's chart reference and objects ready to apply. Each error
 * carries a `reason` the tenant controller can put on the AppDeployed condition as it is, and a
 * message that names the chart or object and the rule it broke.
 */

/** The chart repository holds no package for the chart and version a plan asks for. */
export class ChartNotFound extends Error {
  readonly reason = 'ChartNotFound';
  readonly chart: string;
  readonly version: string;

  constructor(options: { chart: string; version: string; detail: string }) {
    super(`chart ${options.chart} version ${options.version} not found: ${options.detail}`);
    this.name = 'ChartNotFound';
    this.chart = options.chart;
    this.version = options.version;
  }
}

/**
 * helm could not render the chart (a template error, values that break values.schema.json, a
 * kubeVersion the chart does not support) or rendered something that is not Kubernetes YAML.
 * `detail` is helm's own message, trimmed, so a platform engineer reads what `helm template` says.
 */
export class RenderFailed extends Error {
  readonly reason = 'RenderFailed';
  readonly release: string;
  readonly detail: string;

  constructor(options: { release: string; detail: string; cause?: unknown }) {
    super(`rendering release ${options.release} failed: ${options.detail}`, { cause: options.cause });
    this.name = 'RenderFailed';
    this.release = options.release;
    this.detail = options.detail;
  }
}

/** The rule of validation.ts an object broke; stable words for logs, tests and conditions. */
export type RenderRule =
  | 'malformed'
  | 'duplicate'
  | 'clusterScoped'
  | 'unknownKind'
  | 'foreignNamespace'
  | 'clusterRoleReference'
  | 'foreignSubject'
  | 'exposedService'
  | 'externalIPs'
  | 'networkPolicy';

/** One rendered object Bulkhead will not apply, and why. */
export interface RenderProblem {
  /** The object as a person finds it: `Kind name` (or `document N` when it has no kind or name). */
  object: string;
  rule: RenderRule;
  /** Says what the object does and what is allowed instead; never contains ';' (the list separator). */
  message: string;
}

const maximumListedProblems = 20;

/**
 * The chart rendered objects that would reach outside the tenant's namespace or weaken its
 * isolation. Every problem is listed, so one fix-and-retry cycle is enough.
 */
export class RenderRefused extends Error {
  readonly reason = 'RenderRefused';
  readonly problems: readonly RenderProblem[];

  constructor(problems: readonly RenderProblem[]) {
    // The message ends up in a condition (at most 32 KiB); `problems` keeps the whole list.
    const listed = problems.slice(0, maximumListedProblems).map((problem) => `${problem.object}: ${problem.message}`);
    const more = problems.length - listed.length;
    const list = listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
    super(`the chart renders ${problems.length} object(s) Bulkhead refuses to apply: ${list}`);
    this.name = 'RenderRefused';
    this.problems = problems;
  }
}
