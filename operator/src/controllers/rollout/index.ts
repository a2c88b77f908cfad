/**
 * Fleet rollouts: the Rollout controller, which moves tenants to a new chart version in waves
 * (canaries first, then ring by ring), a bounded number at a time, and pauses when one is not
 * healthy in time. It runs in the operator process beside the tenant controller and talks to it
 * only through Tenant annotations and status; see docs/decisions/0003-fleet-rollouts.md.
 */
export { createRolloutController, rolloutChanged, type RolloutController, type RolloutControllerDeps } from './controller.js';
export type { FleetTenant } from './fleet.js';
export type { RolloutPlan, RolloutPlanInput, TenantVersionPatch } from './plan-types.js';
export { planRollout } from './planner.js';
