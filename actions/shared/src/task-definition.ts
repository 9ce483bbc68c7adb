/**
 * The members of a task definition that RegisterTaskDefinition takes, besides `tags` (which
 * DescribeTaskDefinition gives apart from the definition). Everything else DescribeTaskDefinition
 * returns (ARN, revision, status, registeredAt, ...) is ECS's own and is refused on registration,
 * so registering a described definition again keeps exactly these.
 */
export const REGISTERABLE_TASK_DEFINITION_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const;
