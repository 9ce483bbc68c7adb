/**
 * Fail fast: a stopped task whose reason no retry can fix. ECS keeps replacing a failing task
 * until the circuit breaker's threshold (half the desired count, at least 3, up to 200 failed
 * tasks, each launch slower than the last); when the reason is one that the next launch will meet
 * again, waiting for the threshold only delays the rollback. Pure: the caller lists the stopped
 * tasks, this module decides.
 *
 * One stop is enough when:
 * - the image cannot be pulled because it is not there or the task may not read it
 *   (CannotPullContainerError with not found / manifest unknown / access denied), not when the
 *   pull timed out or was throttled (a network blip or a registry outage can pass);
 * - a secret cannot be read (ResourceInitializationError while fetching secrets or registry auth:
 *   no such secret or parameter, access denied), not when the fetch timed out;
 * - the container cannot start at all (CannotStartContainerError: the command is not in the image,
 *   exec format error).
 *
 * An essential container that exits during start-up may be a bad deploy or a dependency that is
 * briefly down, so one such stop is not enough: two stopped tasks whose same essential container
 * exited with the same exit code and the same reason, each within the start-up window of its
 * start, are. Two attempts agreeing is what "the same error on each attempt" can mean when each
 * attempt is a new task; a third would only cost another replacement's back-off.
 */

export interface StoppedTaskFacts {
  taskArn: string;
  startedAt?: Date;
  stoppedAt?: Date;
  stopCode?: string;
  stoppedReason?: string;
  containers: { name: string; exitCode?: number; reason?: string; essential?: boolean }[];
}

export type PermanentKind = 'image' | 'secret' | 'start' | 'crash';

export interface Permanent {
  kind: PermanentKind;
  /** What no retry fixes, in one sentence. */
  why: string;
  /** The stopped task(s) that showed it (two for a crash at start-up). */
  taskArns: string[];
}

/** How long after its start a container's exit still counts as failing to start. */
export const START_UP_WINDOW_MS = 120_000;

/** Words that mark a failure a later attempt may not meet: a timeout, throttling, a dropped connection. */
const TRANSIENT =
  /timeout|timed out|deadline exceeded|i\/o timeout|connection reset|connection refused|too many requests|toomanyrequests|rate exceeded|throttl|temporar|service unavailable|503|500 internal|no such host|EOF\b/i;

const IMAGE_MISSING =
  /not found|manifest unknown|does not exist|repository .* not exist|no matching manifest|invalid reference format|access denied|denied|unauthorized|not authorized|forbidden|403/i;

const SECRET_UNREADABLE =
  /ResourceNotFoundException|ParameterNotFound|can't find|cannot find|not found|does not exist|AccessDenied|not authorized|InvalidParameter|KMS.*(disabled|denied)|invalid ssm parameters|DecryptionFailure/i;

const CANNOT_START =
  /executable file not found|no such file or directory|exec format error|permission denied.*exec|not a directory/i;

function texts(task: StoppedTaskFacts): string[] {
  return [task.stoppedReason ?? '', ...task.containers.map((container) => container.reason ?? '')].filter(Boolean);
}

/** The reason of one stopped task that no retry fixes, if it has one (pull, secrets, start). */
export function permanentReason(task: StoppedTaskFacts): Omit<Permanent, 'taskArns'> | undefined {
  for (const text of texts(task)) {
    if (/CannotPullContainerError/i.test(text) && IMAGE_MISSING.test(text) && !TRANSIENT.test(text)) {
      return { kind: 'image', why: `the image cannot be pulled: ${text}` };
    }
    if (
      /ResourceInitializationError/i.test(text) &&
      /secret|ssm|asm|parameter|registry auth/i.test(text) &&
      SECRET_UNREADABLE.test(text) &&
      !TRANSIENT.test(text)
    ) {
      return { kind: 'secret', why: `a secret cannot be read: ${text}` };
    }
    if (/CannotStartContainerError/i.test(text) && CANNOT_START.test(text)) {
      return { kind: 'start', why: `the container cannot start: ${text}` };
    }
  }
  return undefined;
}

interface StartUpExit {
  container: string;
  exitCode?: number;
  reason: string;
}

/** The essential container that ended the task during start-up, when that is why it stopped. */
export function startUpExit(task: StoppedTaskFacts, windowMs = START_UP_WINDOW_MS): StartUpExit | undefined {
  if (task.stopCode !== 'EssentialContainerExited' && !/essential container/i.test(task.stoppedReason ?? '')) {
    return undefined;
  }
  if (task.startedAt && task.stoppedAt && task.stoppedAt.getTime() - task.startedAt.getTime() > windowMs) {
    return undefined;
  }
  const exited = task.containers.find(
    (container) => container.essential !== false && (container.exitCode !== undefined || container.reason),
  );
  if (!exited) return undefined;
  return { container: exited.name, exitCode: exited.exitCode, reason: exited.reason ?? '' };
}

/**
 * The first failure among `tasks` (stopped tasks of the new revision, any order) that no retry
 * fixes, or undefined. Tasks are read oldest first, so the verdict names the first stop that
 * showed it.
 */
export function firstPermanentFailure(
  tasks: readonly StoppedTaskFacts[],
  windowMs = START_UP_WINDOW_MS,
): Permanent | undefined {
  const ordered = [...tasks].sort((a, b) => (a.stoppedAt?.getTime() ?? 0) - (b.stoppedAt?.getTime() ?? 0));
  const exits = new Map<string, string>();
  for (const task of ordered) {
    const permanent = permanentReason(task);
    if (permanent) return { ...permanent, taskArns: [task.taskArn] };
    const exit = startUpExit(task, windowMs);
    if (!exit) continue;
    const key = JSON.stringify([exit.container, exit.exitCode ?? null, exit.reason]);
    const earlier = exits.get(key);
    if (earlier) {
      const code = exit.exitCode !== undefined ? `exit code ${exit.exitCode}` : 'no exit code';
      return {
        kind: 'crash',
        why: `essential container ${exit.container} exited during start-up with the same error on two attempts (${code}${exit.reason ? `, ${exit.reason}` : ''})`,
        taskArns: [earlier, task.taskArn],
      };
    }
    exits.set(key, task.taskArn);
  }
  return undefined;
}
