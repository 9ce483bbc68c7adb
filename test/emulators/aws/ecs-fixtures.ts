import { afterAll, beforeAll } from '@jest/globals';
import { ECSClient, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions, type ManualClock } from './index.js';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';

/**
 * The ECS emulator's suites' shorthand for the harness's Fargate task definition (one container
 * `app` on port 3000): `fargate('nginx:2')`, `fargate('x', 'web.app')`.
 */
export const fargate = (image: string, family = 'web'): RegisterTaskDefinitionCommandInput =>
  fargateTaskDefinition({ image, family });

export interface EcsSuite {
  emulator: AwsEmulator;
  /** An ECS client of the emulator that does not retry, so a refusal reaches the test as it was. */
  ecs: ECSClient;
}

/**
 * The ECS suites' one emulator for the whole file, on the file's manual clock: started before the
 * first test (`use` gets it and its ECS client), closed after the last.
 */
export function ecsEmulatorForSuite(
  clock: ManualClock,
  use: (suite: EcsSuite) => void,
  options: Omit<AwsEmulatorOptions, 'clock'> = {},
): void {
  let emulator: AwsEmulator | undefined;
  beforeAll(async () => {
    emulator = await startAwsEmulator({ ...options, clock });
    use({ emulator, ecs: new ECSClient({ ...emulator.clientConfig(), maxAttempts: 1 }) });
  });
  afterAll(() => emulator?.close());
}
