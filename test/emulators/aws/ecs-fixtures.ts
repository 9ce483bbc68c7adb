import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

/** A Fargate task definition of one container `app` on port 3000, for the ECS emulator's suites. */
export const fargate = (image: string, family = 'web'): RegisterTaskDefinitionCommandInput => ({
  family,
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 3000 }] }],
});
