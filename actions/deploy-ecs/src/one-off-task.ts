import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type RunTaskCommandInput,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { awsCall } from '@shipyard/shared/aws-call';
import { isTransient } from '@shipyard/shared/aws-errors';
import { ActionFailure, errorMessage } from '@shipyard/shared/errors';
import { pollUntil } from '@shipyard/shared/poll';
import { formatTail, logTarget, type LogTail, type Logs } from './logs.js';
import type { Json } from './render.js';
import { runTaskRequest, taskVerdict, type RunTaskOptions, type TaskVerdict } from './run-task.js';

/**
 * Running the one-off task that run-task.ts plans: RunTask (with its client token, so the SDK's
 * retry cannot start a second task), DescribeTasks at a fixed interval until it is STOPPED, and
 * StopTask when it outlives its timeout.
 */

export interface OneOffRun {
  taskArn: string;
  task?: Task;
  /** undefined when the task did not stop in time (it was then stopped). */
  stopped: boolean;
  polls: number;
}

/** RunTask, then DescribeTasks at a fixed interval until the task is STOPPED; StopTask at the timeout. */
export async function runOneOffTask(
  client: ECSClient,
  request: RunTaskCommandInput,
  {
    intervalMs,
    timeoutMs,
    onWaiting,
    onTransientError,
  }: {
    intervalMs: number;
    timeoutMs: number;
    onWaiting: (text: string) => void;
    onTransientError: (text: string) => void;
  },
): Promise<OneOffRun> {
  // The client token makes RunTask idempotent: the SDK's retry sends the same one.
  const started = await awsCall('ecs', 'RunTask', () => client.send(new RunTaskCommand(request)));
  const failure = started.failures?.[0];
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    throw new ActionFailure(
      `RunTask started no task${failure ? `: ${failure.reason ?? 'no reason'}${failure.detail ? ` (${failure.detail})` : ''}` : ''}`,
    );
  }
  let last: Task | undefined = started.tasks?.[0];
  const result = await pollUntil<Task>({
    intervalMs,
    timeoutMs,
    check: async () => {
      try {
        const { tasks = [] } = await awsCall('ecs', 'DescribeTasks', () =>
          client.send(new DescribeTasksCommand({ cluster: request.cluster, tasks: [taskArn] })),
        );
        if (tasks[0]) last = tasks[0];
      } catch (error) {
        if (!isTransient(error)) throw error;
        onTransientError(`DescribeTasks failed (${errorMessage(error)}); polling again`);
      }
      if (last?.lastStatus === 'STOPPED') return { done: true, value: last };
      const waitingFor = `task ${taskArn.split('/').pop()} is ${last?.lastStatus ?? 'PROVISIONING'}`;
      onWaiting(`Waiting: ${waitingFor}`);
      return { done: false, waitingFor };
    },
  });
  if (result.done) return { taskArn, task: result.value, stopped: true, polls: result.attempts };
  try {
    await awsCall('ecs', 'StopTask', () =>
      client.send(
        new StopTaskCommand({ cluster: request.cluster, task: taskArn, reason: 'deploy-ecs: run-task timed out' }),
      ),
    );
  } catch (error) {
    onTransientError(`Could not stop task ${taskArn} after the timeout: ${errorMessage(error)}`);
  }
  return { taskArn, task: last, stopped: false, polls: result.attempts };
}

export interface JudgedOneOff {
  taskArn?: string;
  success: boolean;
  exitCode?: number;
  reason: string;
  logs: LogTail[];
  polls: number;
}

/**
 * The run-task step: plan, run, wait, judge by the essential container's exit code, and read the
 * deciding containers' last log lines (awslogs). Never throws for a task that failed: the caller
 * decides (no rollout after a failed one-off task).
 */
export async function runAndJudge(
  client: ECSClient,
  logs: Logs,
  options: {
    taskDefinitionArn: string;
    definition: Json;
    run: RunTaskOptions & { timeoutMs: number };
    service?: Service;
    intervalMs: number;
  },
  log: { info: (text: string) => void; warning: (text: string) => void },
): Promise<JudgedOneOff> {
  const { definition, run } = options;
  const request = runTaskRequest(options.taskDefinitionArn, definition, run, options.service);
  const placement = request.capacityProviderStrategy
    ? `capacity providers ${request.capacityProviderStrategy.map((item) => item.capacityProvider).join(', ')}`
    : `launch type ${request.launchType}`;
  const command = request.overrides?.containerOverrides?.find((override) => override.command)?.command;
  log.info(
    `Running a one-off task of ${options.taskDefinitionArn.split('/').pop()} on ${placement}${
      request.networkConfiguration?.awsvpcConfiguration?.subnets?.length
        ? ` in ${request.networkConfiguration.awsvpcConfiguration.subnets.join(', ')}`
        : ''
    }${command ? `, command ${JSON.stringify(command)}` : ''}`,
  );
  const ran = await runOneOffTask(client, request, {
    intervalMs: options.intervalMs,
    timeoutMs: run.timeoutMs,
    onWaiting: (text) => log.info(text),
    onTransientError: (text) => log.warning(text),
  });
  log.info(`Task ${ran.taskArn}`);
  const verdict: TaskVerdict =
    ran.stopped && ran.task
      ? taskVerdict(ran.task, definition, run.container)
      : {
          success: false,
          reason: `the task did not stop within ${Math.round(run.timeoutMs / 60_000)} min; it was stopped`,
        };
  const deciding = run.container
    ? [run.container]
    : (ran.task?.containers ?? [])
        .filter((container) =>
          (definition.containerDefinitions as Json[]).some(
            (candidate) => candidate.name === container.name && candidate.essential !== false,
          ),
        )
        .map((container) => container.name ?? '');
  const tails: LogTail[] = [];
  for (const container of deciding.slice(0, 3)) {
    const target = logTarget(definition, container, ran.taskArn);
    if (!target) continue;
    const tail = await logs.tail(target);
    for (const line of formatTail(tail)) log.info(line);
    tails.push(tail);
  }
  return {
    taskArn: ran.taskArn,
    success: verdict.success,
    exitCode: verdict.exitCode,
    reason: verdict.reason,
    logs: tails,
    polls: ran.polls,
  };
}
