import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { fargateTaskDefinition } from '@shipyard/harness/task-definition';

/**
 * The ECS emulator's suites' shorthand for the harness's Fargate task definition (one container
 * `app` on port 3000): `fargate('nginx:2')`, `fargate('x', 'web.app')`.
 */
export const fargate = (image: string, family = 'web'): RegisterTaskDefinitionCommandInput =>
  fargateTaskDefinition({ image, family });
