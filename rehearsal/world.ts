import type { ScenarioInput } from '@shipyard/emulators/aws';

/**
 * The names the demo's workflows use by default (their repository variables unset) and the
 * emulator timings, shared by the rehearsal's story and the production world of its failure cases
 * (test/e2e), so both play against the same world.
 */
export const REPOSITORY = 'octo-org/shipyard-demo';
export const ACCOUNT_ID = '123456789012';
export const ECR_REPOSITORY = 'shipyard-demo';
export const CLUSTER = 'shipyard';
export const STAGING_SERVICE = 'shipyard-demo-staging';
export const PRODUCTION_SERVICE = 'shipyard-demo-production';
/** The staging load balancer, whose HTTP listener gets each preview's host-header rule. */
export const STAGING_LOAD_BALANCER = 'shipyard-staging';
/** Previews answer at `pr-<N>.<PREVIEW_DOMAIN>` (the rehearsal's forward proxy resolves it). */
export const PREVIEW_DOMAIN = 'preview.rehearsal.test';

/** Tens of milliseconds per simulated ECS transition, so a rollout (or a rollback) takes about a second, not minutes. */
export const FAST_ECS: NonNullable<ScenarioInput['ecs']> = {
  taskStartDelayMs: 40,
  taskHealthyDelayMs: 20,
  taskStopDelayMs: 20,
  taskFailDelayMs: 20,
  taskRestartDelayMs: 20,
  steadyStateDelayMs: 20,
};
