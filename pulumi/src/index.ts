/**
 * The project's entry point (`pulumi up` in this folder): the program of program.ts, its outputs
 * as the stack's. README.md lists the config keys; Pulumi.local.yaml is an example stack.
 */
import { bulkheadStack } from './program.js';

const outputs = bulkheadStack();

export const namespace = outputs.namespace;
export const releaseName = outputs.releaseName;
export const releaseStatus = outputs.releaseStatus;
export const regionSecrets = outputs.regionSecrets;
export const crdNames = outputs.crdNames;
