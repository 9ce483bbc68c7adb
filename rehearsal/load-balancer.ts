import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApp } from '@shipyard/demo-app/app';
import type { AwsEmulator } from '@shipyard/emulators/aws';
import { listenOnLoopback } from '@shipyard/harness/listen';

/**
 * Where the AWS emulator's tasks are simulated (no process, no container behind them), the load
 * balancer of one service: it answers as the demo app would from the newest task that is RUNNING
 * and healthy, configured from that task's task definition (GIT_SHA, APP_VERSION, DEPLOY_ENV), and
 * 503 while there is none. So the smoke test still sees the version ECS really runs: after a
 * rollback it sees the old one again.
 */

export interface SimulatedLoadBalancer {
  url: string;
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function simulatedLoadBalancer(
  aws: AwsEmulator,
  serviceName: string,
  fallbackVersion: string,
): Promise<SimulatedLoadBalancer> {
  const apps = new Map<string, Handler>();
  const appFor = (taskDefinitionArn: string): Handler | undefined => {
    const cached = apps.get(taskDefinitionArn);
    if (cached) return cached;
    const definition = aws.ecs.taskDefinitions().find((record) => record.arn === taskDefinitionArn)?.definition as
      { containerDefinitions?: { environment?: { name: string; value: string }[] }[] } | undefined;
    if (!definition) return undefined;
    const env = Object.fromEntries(
      (definition.containerDefinitions?.[0]?.environment ?? []).map(({ name, value }) => [name, value]),
    );
    const app = createApp({
      version: env.APP_VERSION ?? fallbackVersion,
      commit: env.GIT_SHA ?? 'unknown',
      environment: env.DEPLOY_ENV ?? 'unknown',
    }).callback();
    const handler: Handler = (request, response) => void app(request, response);
    apps.set(taskDefinitionArn, handler);
    return handler;
  };
  const { url, close } = await listenOnLoopback((request, response) => {
    const serving = aws.ecs
      .tasks({ serviceName })
      .filter(
        (task) =>
          task.lastStatus === 'RUNNING' &&
          task.desiredStatus === 'RUNNING' &&
          (task.healthStatus === 'HEALTHY' || !task.hasHealthCheck),
      )
      .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
    const handler = serving.map((task) => appFor(task.taskDefinitionArn)).find(Boolean);
    if (!handler) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"no healthy task"}');
      return;
    }
    handler(request, response);
  });
  return { url, close };
}
