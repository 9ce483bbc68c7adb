import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

/** The execution role the fixtures name where a task definition needs one. */
export const EXECUTION_ROLE_ARN = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

export interface FargateTaskDefinitionOptions extends Partial<Omit<RegisterTaskDefinitionCommandInput, 'family'>> {
  family?: string;
  /** The image of the one container, `app` (default nginx:1). */
  image?: string;
  /** Merged into the one container (`name`, `environment`, `healthCheck`, …). */
  container?: Partial<ContainerDefinition>;
}

type Definition = RegisterTaskDefinitionCommandInput & { family: string; containerDefinitions: ContainerDefinition[] };

// A mapped type rather than the SDK's interface, so that it also passes where a plain JSON record
// is asked for (the emulator's seedTaskDefinition, JSON.stringify into a workspace file).
export type FargateTaskDefinition = { [K in keyof Definition]: Definition[K] };

/**
 * The smallest Fargate task definition ECS registers: family `web`, awsvpc, 0.25 vCPU and 512 MiB,
 * one container `app` listening on 3000. Every field can be overridden; `container` is merged into
 * the container and `containerDefinitions` replaces the list. Keys keep one order (family first,
 * containers last), so two fixtures built alike serialise alike.
 */
export function fargateTaskDefinition({
  family = 'web',
  image = 'nginx:1',
  container = {},
  containerDefinitions,
  ...overrides
}: FargateTaskDefinitionOptions = {}): FargateTaskDefinition {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    ...overrides,
    containerDefinitions: containerDefinitions ?? [
      { name: 'app', image, portMappings: [{ containerPort: 3000 }], ...container },
    ],
  };
}
