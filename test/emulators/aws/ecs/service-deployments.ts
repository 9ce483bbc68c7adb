import { AwsServiceError, type AwsRequestContext } from '../types.js';
import type { DeploymentEngine } from './engine.js';
import {
  epochSeconds,
  FINISHED_STATUSES,
  HOOK_STAGES,
  type DeploymentStrategy,
  type Json,
  type ServiceDeploymentRecord,
  type ServiceDeploymentStatus,
  type ServiceRecord,
  type ServiceRevisionRecord,
} from './model.js';
import { invalidParameter, paginate } from './validation.js';

/**
 * Service deployments and service revisions (ECS API reference: ServiceDeployment,
 * ServiceDeploymentBrief, ServiceRevision; ListServiceDeployments, DescribeServiceDeployments,
 * DescribeServiceRevisions, StopServiceDeployment), and the checks ECS makes on a
 * deploymentConfiguration's strategy beyond its model: what BLUE_GREEN, LINEAR and CANARY require.
 */

const STRATEGIES: readonly DeploymentStrategy[] = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTenth = (value: number) => Math.abs(value * 10 - Math.round(value * 10)) < 1e-9;

/**
 * The strategy part of a deploymentConfiguration (strategy, bakeTimeInMinutes, alarms,
 * lifecycleHooks, linearConfiguration, canaryConfiguration), validated as ECS validates it and
 * merged over the service's current one. Types and enums were judged by the model already.
 */
export function readDeploymentConfiguration(
  given: Json | undefined,
  current: Partial<ServiceRecord['deploymentConfiguration']>,
  service: { loadBalancers?: Json[]; deploymentController?: { type: string } },
): Partial<ServiceRecord['deploymentConfiguration']> {
  const read: Partial<ServiceRecord['deploymentConfiguration']> = {};
  const configuration = given ?? {};
  for (const key of ['strategy', 'bakeTimeInMinutes', 'alarms', 'lifecycleHooks'] as const) {
    if (configuration[key] !== undefined && configuration[key] !== null) {
      (read as Json)[key] = configuration[key];
    }
  }
  if (isObject(configuration.linearConfiguration)) read.linearConfiguration = configuration.linearConfiguration;
  if (isObject(configuration.canaryConfiguration)) read.canaryConfiguration = configuration.canaryConfiguration;
  const merged = { ...current, ...read };
  const strategy = merged.strategy ?? 'ROLLING';
  if (!STRATEGIES.includes(strategy)) throw invalidParameter(`Invalid deployment strategy '${String(strategy)}'.`);

  const controller = service.deploymentController?.type ?? 'ECS';
  if (strategy !== 'ROLLING' && controller !== 'ECS') {
    throw invalidParameter(
      `The ${strategy} deployment strategy is only supported when the deployment controller type is ECS.`,
    );
  }
  if (strategy === 'BLUE_GREEN' && merged.bakeTimeInMinutes === undefined) {
    throw invalidParameter('bakeTimeInMinutes must be specified when the deployment strategy is BLUE_GREEN.');
  }
  if (merged.bakeTimeInMinutes !== undefined && (merged.bakeTimeInMinutes < 0 || merged.bakeTimeInMinutes > 1440)) {
    throw invalidParameter('bakeTimeInMinutes must be between 0 and 1440.');
  }
  const loadBalancers = service.loadBalancers ?? [];
  if ((strategy === 'LINEAR' || strategy === 'CANARY') && loadBalancers.length === 0) {
    throw invalidParameter(
      `The ${strategy} deployment strategy requires a load balancer (or Service Connect) to shift traffic.`,
    );
  }
  if (strategy !== 'ROLLING') {
    for (const [index, loadBalancer] of loadBalancers.entries()) {
      const advanced = loadBalancer.advancedConfiguration as Json | undefined;
      const missing = ['alternateTargetGroupArn', 'productionListenerRule', 'roleArn'].filter(
        (key) => typeof advanced?.[key] !== 'string' || advanced[key] === '',
      );
      if (missing.length > 0) {
        throw invalidParameter(
          `loadBalancers[${index}].advancedConfiguration must specify ${missing.join(', ')} when the deployment strategy is ${strategy}.`,
        );
      }
    }
  }
  if (read.linearConfiguration !== undefined && strategy !== 'LINEAR') {
    throw invalidParameter('linearConfiguration can only be specified when the deployment strategy is LINEAR.');
  }
  if (read.canaryConfiguration !== undefined && strategy !== 'CANARY') {
    throw invalidParameter('canaryConfiguration can only be specified when the deployment strategy is CANARY.');
  }
  const linear = merged.linearConfiguration;
  if (strategy === 'LINEAR' && linear) {
    const step = linear.stepPercent;
    if (step !== undefined && (step < 3 || step > 100 || !isTenth(step))) {
      throw invalidParameter('stepPercent must be a multiple of 0.1 from 3.0 to 100.0.');
    }
    const bake = linear.stepBakeTimeInMinutes;
    if (bake !== undefined && (bake < 0 || bake > 1440)) {
      throw invalidParameter('stepBakeTimeInMinutes must be between 0 and 1440.');
    }
  }
  const canary = merged.canaryConfiguration;
  if (strategy === 'CANARY' && canary) {
    const percent = canary.canaryPercent;
    if (percent !== undefined && (percent < 0.1 || percent > 100 || !isTenth(percent))) {
      throw invalidParameter('canaryPercent must be a multiple of 0.1 from 0.1 to 100.0.');
    }
    const bake = canary.canaryBakeTimeInMinutes;
    if (bake !== undefined && (bake < 0 || bake > 1440)) {
      throw invalidParameter('canaryBakeTimeInMinutes must be between 0 and 1440.');
    }
  }
  const hooks = merged.lifecycleHooks ?? [];
  if (hooks.length > 0 && strategy === 'ROLLING') {
    throw invalidParameter(
      'lifecycleHooks are supported only with the BLUE_GREEN, LINEAR and CANARY deployment strategies.',
    );
  }
  for (const [index, hook] of hooks.entries()) {
    const stages = (hook.lifecycleStages as string[] | undefined) ?? [];
    if (stages.length === 0) throw invalidParameter(`lifecycleHooks[${index}].lifecycleStages cannot be empty.`);
    for (const stage of stages) {
      if (!(HOOK_STAGES as readonly string[]).includes(stage)) {
        throw invalidParameter(`lifecycleHooks[${index}]: ${stage} is not a lifecycle stage a hook can run at.`);
      }
    }
    if ((hook.targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA') {
      if (typeof hook.hookTargetArn !== 'string' || !/^arn:aws[a-z-]*:lambda:/.test(hook.hookTargetArn)) {
        throw invalidParameter(`lifecycleHooks[${index}].hookTargetArn must be the ARN of a Lambda function.`);
      }
      if (typeof hook.roleArn !== 'string') {
        throw invalidParameter(`lifecycleHooks[${index}].roleArn must be specified for an AWS_LAMBDA hook.`);
      }
    }
  }
  const alarms = merged.alarms;
  if (alarms?.enable && alarms.alarmNames.length === 0) {
    throw invalidParameter('alarmNames cannot be empty when deployment alarms are enabled.');
  }
  return read;
}

export interface ServiceDeploymentDependencies {
  engine: DeploymentEngine;
  services: () => Iterable<ServiceRecord>;
  /** The service a ListServiceDeployments names (cluster and service name or ARN), or the error ECS gives. */
  findService(body: Json, context: AwsRequestContext): ServiceRecord;
}

function monitorStatus(enabled: boolean, triggered: boolean, finished: boolean): string {
  if (!enabled) return 'DISABLED';
  if (triggered) return 'TRIGGERED';
  return finished ? 'MONITORING_COMPLETE' : 'MONITORING';
}

export function describeServiceDeployment(engine: DeploymentEngine, record: ServiceDeploymentRecord): Json {
  const finished = FINISHED_STATUSES.has(record.status);
  const staged = record.strategy !== 'ROLLING';
  const summary = (arn: string, target: boolean) => {
    const counts = finished && target && record.finalCounts ? record.finalCounts : engine.revisionCounts(arn);
    return {
      arn,
      requestedTaskCount: counts.requested,
      runningTaskCount: counts.running,
      pendingTaskCount: counts.pending,
      ...(staged
        ? {
            requestedTestTrafficWeight: target ? record.weights.test : 100 - record.weights.test,
            requestedProductionTrafficWeight: target ? record.weights.production : 100 - record.weights.production,
          }
        : {}),
    };
  };
  return {
    serviceDeploymentArn: record.arn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    createdAt: epochSeconds(record.createdAt),
    ...(record.startedAt !== undefined ? { startedAt: epochSeconds(record.startedAt) } : {}),
    ...(record.finishedAt !== undefined ? { finishedAt: epochSeconds(record.finishedAt) } : {}),
    ...(record.stoppedAt !== undefined ? { stoppedAt: epochSeconds(record.stoppedAt) } : {}),
    updatedAt: epochSeconds(record.updatedAt),
    sourceServiceRevisions: record.sourceRevisionArns.map((arn) => summary(arn, false)),
    targetServiceRevision: summary(record.targetRevisionArn, true),
    status: record.status,
    ...(record.statusReason ? { statusReason: record.statusReason } : {}),
    ...(record.lifecycleStage ? { lifecycleStage: record.lifecycleStage } : {}),
    ...(record.hooks.length > 0
      ? {
          lifecycleHookDetails: record.hooks.map((hook) => ({
            hookId: hook.hookId,
            targetType: hook.targetType,
            ...(hook.targetArn ? { targetArn: hook.targetArn } : {}),
            status: hook.status,
          })),
        }
      : {}),
    deploymentConfiguration: record.configuration,
    ...(record.rollback
      ? {
          rollback: {
            reason: record.rollback.reason,
            startedAt: epochSeconds(record.rollback.startedAt),
            ...(record.rollback.serviceRevisionArn ? { serviceRevisionArn: record.rollback.serviceRevisionArn } : {}),
          },
        }
      : {}),
    deploymentCircuitBreaker: {
      status: monitorStatus(record.breaker.enabled, record.breaker.triggered, finished),
      failureCount: record.breaker.failureCount,
      threshold: record.breaker.threshold,
    },
    alarms: {
      status: monitorStatus(record.alarms.enabled, record.alarms.triggered.length > 0, finished),
      ...(record.alarms.names.length > 0 ? { alarmNames: record.alarms.names } : {}),
      ...(record.alarms.triggered.length > 0 ? { triggeredAlarmNames: record.alarms.triggered } : {}),
    },
  };
}

function describeRevision(revision: ServiceRevisionRecord): Json {
  return {
    serviceRevisionArn: revision.arn,
    serviceArn: revision.serviceArn,
    clusterArn: revision.clusterArn,
    taskDefinition: revision.taskDefinition,
    ...(revision.capacityProviderStrategy ? { capacityProviderStrategy: revision.capacityProviderStrategy } : {}),
    ...(revision.launchType ? { launchType: revision.launchType } : {}),
    ...(revision.launchType === 'FARGATE' || revision.capacityProviderStrategy
      ? { platformVersion: revision.platformVersion ?? 'LATEST', platformFamily: 'Linux' }
      : {}),
    loadBalancers: revision.loadBalancers,
    serviceRegistries: [],
    ...(revision.networkConfiguration ? { networkConfiguration: revision.networkConfiguration } : {}),
    containerImages: revision.containerImages,
    guardDutyEnabled: false,
    createdAt: epochSeconds(revision.createdAt),
  };
}

function readBatch(body: Json, key: string, max: number): string[] {
  const values = body[key] as string[];
  if (values.length === 0) throw invalidParameter(`${key} cannot be empty.`);
  if (values.length > max) throw invalidParameter(`${key} cannot have more than ${max} items.`);
  return values;
}

export function serviceDeploymentOperations(dependencies: ServiceDeploymentDependencies) {
  const { engine } = dependencies;

  function listServiceDeployments(body: Json, context: AwsRequestContext): Json {
    const service = dependencies.findService(body, context);
    const statuses = body.status as ServiceDeploymentStatus[] | undefined;
    const createdAt = body.createdAt as { before?: number | string; after?: number | string } | undefined;
    const time = (value: number | string | undefined) =>
      value === undefined ? undefined : typeof value === 'number' ? value * 1000 : Date.parse(value);
    const before = time(createdAt?.before);
    const after = time(createdAt?.after);
    const matching = service.serviceDeployments.filter(
      (record) =>
        (!statuses || statuses.length === 0 || statuses.includes(record.status)) &&
        (before === undefined || record.createdAt <= before) &&
        (after === undefined || record.createdAt >= after),
    );
    const { page, next } = paginate(matching, body, 20);
    return {
      serviceDeployments: page.map((record) => ({
        serviceDeploymentArn: record.arn,
        serviceArn: record.serviceArn,
        clusterArn: record.clusterArn,
        ...(record.startedAt !== undefined ? { startedAt: epochSeconds(record.startedAt) } : {}),
        createdAt: epochSeconds(record.createdAt),
        ...(record.finishedAt !== undefined ? { finishedAt: epochSeconds(record.finishedAt) } : {}),
        targetServiceRevisionArn: record.targetRevisionArn,
        status: record.status,
        ...(record.statusReason ? { statusReason: record.statusReason } : {}),
      })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  function describeServiceDeployments(body: Json): Json {
    const arns = readBatch(body, 'serviceDeploymentArns', 20);
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const arn of arns) {
      const record = engine.serviceDeployments.get(arn);
      if (record) found.push(describeServiceDeployment(engine, record));
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { serviceDeployments: found, failures };
  }

  function describeServiceRevisions(body: Json): Json {
    const arns = readBatch(body, 'serviceRevisionArns', 20);
    const found: Json[] = [];
    const failures: Json[] = [];
    for (const arn of arns) {
      const revision = engine.revisions.get(arn);
      if (revision) found.push(describeRevision(revision));
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { serviceRevisions: found, failures };
  }

  function stopServiceDeployment(body: Json, context: AwsRequestContext): Json {
    const arn = body.serviceDeploymentArn as string;
    const record = engine.serviceDeployments.get(arn);
    if (!record) {
      throw new AwsServiceError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.', 400);
    }
    const stopType = (body.stopType as 'ROLLBACK' | 'ABORT' | undefined) ?? 'ROLLBACK';
    if (FINISHED_STATUSES.has(record.status)) {
      throw new AwsServiceError(
        'ConflictException',
        `The service deployment is in the ${record.status} state and cannot be stopped.`,
        400,
      );
    }
    // Already stopping or rolling back: it carries on (the Developer Guide's "Stopping Amazon ECS service deployments").
    if (record.status === 'PENDING' || record.status === 'IN_PROGRESS') {
      const service = [...dependencies.services()].find((candidate) => candidate.serviceArn === record.serviceArn);
      if (service) engine.stopServiceDeployment(service, record, stopType, context.now());
    }
    return { serviceDeploymentArn: record.arn };
  }

  return {
    ListServiceDeployments: listServiceDeployments,
    DescribeServiceDeployments: describeServiceDeployments,
    DescribeServiceRevisions: describeServiceRevisions,
    StopServiceDeployment: stopServiceDeployment,
  };
}
