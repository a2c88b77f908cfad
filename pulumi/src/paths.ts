/**
 * Where the program finds the repository's files: the CRDs and the operator chart are read from
 * this checkout, whatever directory `pulumi` was started from.
 */
import { fileURLToPath } from 'node:url';

/** pulumi/, where Pulumi.yaml lives: relative paths in stack config are relative to it. */
export const projectDir = fileURLToPath(new URL('..', import.meta.url));

export const crdsDir = fileURLToPath(new URL('../../crds', import.meta.url));

export const operatorChartDir = fileURLToPath(new URL('../../charts/bulkhead', import.meta.url));
