export const id = 355;
export const ids = [355];
export const modules = {

/***/ 355:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  deploy: () => (/* binding */ deploy)
});

// EXTERNAL MODULE: ../../node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(2825);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ../shared/src/errors.ts
var errors = __webpack_require__(9437);
;// CONCATENATED MODULE: ../shared/src/summary.ts

/**
 * Append markdown to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to
 * write, which is not an error: the same text is in the log.
 */
async function appendSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await core/* summary */.z.addRaw(markdown, true).write();
}

// EXTERNAL MODULE: ./src/render.ts
var render = __webpack_require__(668);
;// CONCATENATED MODULE: ./src/diff.ts

/**
 * A unified diff (three lines of context) between two task definitions, each normalised and
 * printed as indented JSON with sorted keys, so the diff shows only what ECS would see change.
 * Task definitions are a few hundred lines at most: a longest-common-subsequence table is plenty.
 */
function diffTaskDefinitions(before, after, labels) {
    const oldLines = before ? JSON.stringify((0,render/* normalizeTaskDefinition */.mu)(before), null, 2).split('\n') : [];
    const newLines = JSON.stringify((0,render/* normalizeTaskDefinition */.mu)(after), null, 2).split('\n');
    return unifiedDiff(oldLines, newLines, labels);
}
function editScript(a, b) {
    const rows = a.length + 1;
    const cols = b.length + 1;
    const lcs = new Uint32Array(rows * cols);
    for (let i = a.length - 1; i >= 0; i -= 1) {
        for (let j = b.length - 1; j >= 0; j -= 1) {
            lcs[i * cols + j] =
                a[i] === b[j] ? lcs[(i + 1) * cols + j + 1] + 1 : Math.max(lcs[(i + 1) * cols + j], lcs[i * cols + j + 1]);
        }
    }
    const edits = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            edits.push({ kind: ' ', line: a[i], oldIndex: i, newIndex: j });
            i += 1;
            j += 1;
        }
        else if (j < b.length && (i === a.length || lcs[i * cols + j + 1] > lcs[(i + 1) * cols + j])) {
            edits.push({ kind: '+', line: b[j], oldIndex: i, newIndex: j });
            j += 1;
        }
        else {
            edits.push({ kind: '-', line: a[i], oldIndex: i, newIndex: j });
            i += 1;
        }
    }
    return edits;
}
function unifiedDiff(a, b, labels, context = 3) {
    const edits = editScript(a, b);
    const changed = edits.map((edit, index) => (edit.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
    if (changed.length === 0)
        return '';
    const hunks = [];
    for (const index of changed) {
        const start = Math.max(0, index - context);
        const end = Math.min(edits.length - 1, index + context);
        const last = hunks[hunks.length - 1];
        if (last && start <= last[1] + 1)
            last[1] = end;
        else
            hunks.push([start, end]);
    }
    const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
    for (const [start, end] of hunks) {
        const slice = edits.slice(start, end + 1);
        const oldCount = slice.filter((edit) => edit.kind !== '+').length;
        const newCount = slice.filter((edit) => edit.kind !== '-').length;
        const oldStart = oldCount === 0 ? slice[0].oldIndex : slice[0].oldIndex + 1;
        const newStart = newCount === 0 ? slice[0].newIndex : slice[0].newIndex + 1;
        out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
        for (const edit of slice)
            out.push(`${edit.kind}${edit.line}`);
    }
    return out.join('\n');
}

// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-ecs/dist-cjs/index.js
var dist_cjs = __webpack_require__(4224);
;// CONCATENATED MODULE: ./src/aws-errors.ts

const PERMISSION_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const CREDENTIAL_ERRORS = new Set([
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'MissingAuthenticationTokenException',
    'IncompleteSignatureException',
    'CredentialsProviderError',
]);
const THROTTLING_ERRORS = new Set([
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'ProvisionedThroughputExceededException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);
/** Throttling, a 5xx or a dropped connection: worth another poll at the next interval. */
function isTransient(error) {
    const candidate = error;
    if (candidate === null || typeof candidate !== 'object')
        return false;
    if (candidate.name && THROTTLING_ERRORS.has(candidate.name))
        return true;
    if (candidate.$fault === 'server' || (candidate.$metadata?.httpStatusCode ?? 0) >= 500)
        return true;
    if (candidate.code && NETWORK_CODES.has(candidate.code))
        return true;
    return candidate.name === 'TimeoutError';
}
/**
 * A permissions or credentials error, rewritten to say what to fix: the IAM action that is
 * missing (`ecs:UpdateService`), or that the credentials are wrong. Other errors pass through.
 */
function explainAwsError(error, operation) {
    const name = error?.name ?? '';
    if (PERMISSION_ERRORS.has(name)) {
        return new errors/* ActionFailure */.dR(`Permission denied for ecs:${operation}: ${(0,errors/* errorMessage */.gJ)(error)}. Allow ecs:${operation} in the role's policy (see the action's README for the full list)`);
    }
    if (CREDENTIAL_ERRORS.has(name)) {
        return new errors/* ActionFailure */.dR(`AWS refused the credentials (${name}) on ecs:${operation}: ${(0,errors/* errorMessage */.gJ)(error)}. Check the step that configures AWS credentials`);
    }
    return error;
}
function isPermissionOrCredentialError(error) {
    return error instanceof ActionFailure && /^(Permission denied|AWS refused the credentials)/.test(error.message);
}

;// CONCATENATED MODULE: ./src/ecs.ts



class Ecs {
    client;
    constructor({ region, maxAttempts }) {
        this.client = new dist_cjs/* ECSClient */.Zgc({ region, maxAttempts, retryMode: 'standard' });
    }
    async call(operation, send) {
        try {
            return await send();
        }
        catch (error) {
            throw explainAwsError(error, operation);
        }
    }
    /** A revision by ARN or `family:revision`, or a family's latest ACTIVE revision; undefined if none. */
    async findTaskDefinition(reference) {
        try {
            const { taskDefinition, tags } = await this.call('DescribeTaskDefinition', () => this.client.send(new dist_cjs/* DescribeTaskDefinitionCommand */.Zy$({ taskDefinition: reference, include: ['TAGS'] })));
            if (!taskDefinition?.taskDefinitionArn)
                return undefined;
            const definition = { ...taskDefinition };
            if (tags && tags.length > 0)
                definition.tags = tags;
            return {
                arn: taskDefinition.taskDefinitionArn,
                family: taskDefinition.family ?? '',
                revision: taskDefinition.revision ?? 0,
                definition,
            };
        }
        catch (error) {
            if (error.name === 'ClientException')
                return undefined;
            throw error;
        }
    }
    async registerTaskDefinition(definition) {
        const { taskDefinition } = await this.call('RegisterTaskDefinition', () => this.client.send(new dist_cjs/* RegisterTaskDefinitionCommand */.$Hl(definition)));
        if (!taskDefinition?.taskDefinitionArn)
            throw new errors/* ActionFailure */.dR('RegisterTaskDefinition returned no task definition ARN');
        return {
            arn: taskDefinition.taskDefinitionArn,
            family: taskDefinition.family ?? '',
            revision: taskDefinition.revision ?? 0,
            definition: taskDefinition,
        };
    }
    async describeService(cluster, service) {
        const result = await this.call('DescribeServices', () => this.client.send(new dist_cjs/* DescribeServicesCommand */.H7c({ cluster, services: [service] })));
        const found = result.services?.[0];
        if (!found) {
            throw new errors/* ActionFailure */.dR(`Service '${service}' was not found in cluster '${cluster}' (${result.failures?.[0]?.reason ?? 'MISSING'}). Check the 'service' and 'cluster' inputs, and the region`);
        }
        if (found.status !== 'ACTIVE') {
            throw new errors/* ActionFailure */.dR(`Service '${service}' in cluster '${cluster}' is ${found.status}, not ACTIVE`);
        }
        return found;
    }
    async updateService(request) {
        const result = await this.call('UpdateService', () => this.client.send(new dist_cjs/* UpdateServiceCommand */.kZr({
            cluster: request.cluster,
            service: request.service,
            taskDefinition: request.taskDefinition,
            desiredCount: request.desiredCount,
            forceNewDeployment: request.forceNewDeployment,
            enableECSManagedTags: request.enableEcsManagedTags,
            propagateTags: request.propagateTags,
        })));
        if (!result.service)
            throw new errors/* ActionFailure */.dR('UpdateService returned no service');
        return result.service;
    }
    /** The ACTIVE revisions of a family, newest first. */
    async activeRevisions(family) {
        const arns = [];
        let nextToken;
        do {
            const page = await this.call('ListTaskDefinitions', () => this.client.send(new dist_cjs/* ListTaskDefinitionsCommand */.Pse({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken })));
            // familyPrefix has matched a whole family name in practice; filter anyway so `web` never touches `web-worker`.
            arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => arn.split('/').pop()?.split(':')[0] === family));
            nextToken = page.nextToken;
        } while (nextToken);
        return arns;
    }
    async deregisterTaskDefinition(arn) {
        await this.call('DeregisterTaskDefinition', () => this.client.send(new dist_cjs/* DeregisterTaskDefinitionCommand */.sjB({ taskDefinition: arn })));
    }
    /** The service's stopped tasks of one task definition, newest first, at most `limit`. */
    async stoppedTasks(cluster, service, taskDefinitionArn, limit = 10) {
        const { taskArns = [] } = await this.call('ListTasks', () => this.client.send(new dist_cjs/* ListTasksCommand */.MYg({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 })));
        if (taskArns.length === 0)
            return [];
        const { tasks = [] } = await this.call('DescribeTasks', () => this.client.send(new dist_cjs/* DescribeTasksCommand */.z8X({ cluster, tasks: taskArns })));
        return tasks
            .filter((task) => task.taskDefinitionArn === taskDefinitionArn)
            .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
            .slice(0, limit)
            .map(toStoppedTask);
    }
}
function toStoppedTask(task) {
    return {
        taskArn: task.taskArn ?? '',
        stoppedAt: task.stoppedAt,
        stopCode: task.stopCode,
        stoppedReason: task.stoppedReason,
        containers: (task.containers ?? []).map((container) => ({
            name: container.name ?? '',
            exitCode: container.exitCode,
            reason: container.reason,
        })),
    };
}

// EXTERNAL MODULE: ./src/inputs.ts + 1 modules
var src_inputs = __webpack_require__(6584);
;// CONCATENATED MODULE: ../shared/src/markdown.ts
/**
 * Markdown builders for job summaries, reports and comments. They return strings so the same text
 * can go to the summary, an output and a pull-request comment, and can be unit-tested as values.
 */
/** Escape what would break a table cell: pipes and line breaks. */
function cell(value) {
    return String(value ?? '')
        .replace(/\\/g, '\\\\')
        .replace(/\|/g, '\\|')
        .replace(/\r?\n/g, '<br>');
}
function table(headers, rows) {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const rule = `| ${headers.map(() => '---').join(' | ')} |`;
    const body = rows.map((row) => `| ${headers.map((_, i) => cell(row[i])).join(' | ')} |`);
    return [head, rule, ...body].join('\n');
}
/** A two-column table of names and values; entries with an undefined value are left out. */
function keyValueTable(entries, headers = ['', '']) {
    return table(headers, entries.filter(([, value]) => value !== undefined));
}
function details(summary, body, { open = false } = {}) {
    return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}
function markdown_link(text, url) {
    return `[${text.replace(/[[\]]/g, '\\$&')}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}
function code(text) {
    const fence = text.includes('`') ? '``' : '`';
    return `${fence}${text}${fence}`;
}
/** A fenced block; the fence grows past any run of backticks inside the text. */
function codeBlock(text, language = '') {
    const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    return `${fence}${language}\n${text}\n${fence}`;
}
function heading(text, level = 2) {
    return `${'#'.repeat(level)} ${text}`;
}
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/** Join blocks with blank lines, dropping empty ones. */
function blocks(...parts) {
    return parts.filter((part) => typeof part === 'string' && part !== '').join('\n\n');
}

;// CONCATENATED MODULE: ../shared/src/poll.ts
/**
 * Waiting, bounded. Every waiting loop in Shipyard polls at a fixed interval (not an exponential
 * backoff, which can leave a step idle for minutes after the thing it waits for has happened) and
 * stops at a deadline.
 */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
function deadlineIn(ms, now = Date.now) {
    const at = now() + ms;
    return {
        at,
        remainingMs: () => Math.max(0, at - now()),
        passed: () => now() >= at,
    };
}
/**
 * Check, then wait one interval, until the check is done or the deadline passes. The last check
 * happens at the deadline at the latest: the wait before it is cut short rather than overshooting.
 */
async function pollUntil({ intervalMs, timeoutMs, check, now = Date.now, }) {
    const deadline = deadlineIn(timeoutMs, now);
    let attempts = 0;
    for (;;) {
        attempts += 1;
        const outcome = await check(attempts);
        if (outcome.done)
            return { done: true, value: outcome.value, attempts };
        if (deadline.passed())
            return { done: false, waitingFor: outcome.waitingFor, attempts };
        await sleep(Math.min(Math.max(intervalMs, outcome.retryAfterMs ?? 0), deadline.remainingMs()));
    }
}

;// CONCATENATED MODULE: ./src/watch.ts



/** ECS's circuit-breaker threshold: half the desired count, at least 3, at most 200. */
function failureThreshold(desiredCount) {
    return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}
/** One look at the service: is the tracked deployment done, and how? Pure. */
function assess(service, deploymentId) {
    const deployments = service.deployments ?? [];
    const deployment = deployments.find((candidate) => candidate.id === deploymentId);
    const primary = deployments.find((candidate) => candidate.status === 'PRIMARY');
    const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
    const rollingBack = primary && primary.id !== deploymentId && /rolling back/i.test(primary.rolloutStateReason ?? '');
    if (!deployment) {
        if (rollingBack || breaker?.rollback) {
            // The rollback may already be over by this poll; ECS's event still says why it failed.
            const failure = (service.events ?? []).find((event) => event.message?.includes(`(deployment ${deploymentId}) deployment failed`));
            return {
                done: true,
                outcome: 'ROLLED_BACK_BY_ECS',
                reason: failure?.message
                    ? `ECS rolled it back: ${failure.message.replace(/^\(service [^)]*\) \(deployment [^)]*\) /, '')}`
                    : `deployment ${deploymentId} is gone: ECS rolled it back`,
                rollbackDeploymentId: primary?.id,
            };
        }
        return { done: true, outcome: 'SUPERSEDED', reason: `deployment ${deploymentId} is no longer on the service` };
    }
    if (deployment.rolloutState === 'FAILED') {
        const reason = deployment.rolloutStateReason ?? 'rollout FAILED';
        if (rollingBack || (breaker?.rollback && primary && primary.id !== deploymentId)) {
            return { done: true, outcome: 'ROLLED_BACK_BY_ECS', reason, rollbackDeploymentId: primary?.id };
        }
        return { done: true, outcome: 'FAILED', reason };
    }
    if (deployment.status !== 'PRIMARY') {
        if (rollingBack) {
            return {
                done: true,
                outcome: 'ROLLED_BACK_BY_ECS',
                reason: primary?.rolloutStateReason ?? 'ECS is rolling back',
                rollbackDeploymentId: primary?.id,
            };
        }
        return { done: true, outcome: 'SUPERSEDED', reason: `deployment ${primary?.id ?? '?'} replaced ${deploymentId}` };
    }
    if (deployment.rolloutState === 'COMPLETED') {
        return { done: true, outcome: 'COMPLETED', reason: deployment.rolloutStateReason ?? 'rollout COMPLETED' };
    }
    const running = deployment.runningCount ?? 0;
    const desired = deployment.desiredCount ?? 0;
    const pending = deployment.pendingCount ?? 0;
    if (!breaker?.enable) {
        // Without a circuit breaker ECS would retry failing tasks forever; apply the rule it would.
        const failed = deployment.failedTasks ?? 0;
        const threshold = failureThreshold(desired);
        if (failed >= threshold) {
            return {
                done: true,
                outcome: 'FAILED',
                reason: `${failed} tasks of deployment ${deploymentId} failed (the circuit breaker's threshold for ${desired} tasks is ${threshold}, and the service has no circuit breaker)`,
            };
        }
        if (deployments.length === 1 && running === desired && pending === 0) {
            return {
                done: true,
                outcome: 'COMPLETED',
                reason: `${running} of ${desired} tasks running, the only deployment`,
            };
        }
    }
    return {
        done: false,
        reason: `${running}/${desired} tasks running${pending ? `, ${pending} pending` : ''}${deployment.failedTasks ? `, ${deployment.failedTasks} failed` : ''}, rollout ${deployment.rolloutState ?? 'in progress'}`,
    };
}
/** Service events not seen before, oldest first; marks them seen. */
function newEvents(service, seen) {
    const fresh = [];
    for (const event of service.events ?? []) {
        const id = event.id ?? `${event.createdAt?.toISOString()} ${event.message}`;
        if (seen.has(id))
            continue;
        seen.add(id);
        fresh.push({ id, createdAt: event.createdAt, message: event.message ?? '' });
    }
    return fresh.reverse();
}
async function watchDeployment(options) {
    const now = options.now ?? Date.now;
    const wait = options.wait ?? sleep;
    const startedAtMs = now();
    const deadline = startedAtMs + options.timeoutMs;
    const timeline = [];
    let lastKey = '';
    let lastDeployment;
    let lastReason = 'no answer from ECS yet';
    let polls = 0;
    for (;;) {
        polls += 1;
        let service;
        try {
            service = await options.describe();
        }
        catch (error) {
            // A permission or validation error will not heal by waiting: only transient ones are retried.
            if (!isTransient(error))
                throw error;
            options.onTransientError(`DescribeServices failed (${(0,errors/* errorMessage */.gJ)(error)}); polling again`);
        }
        if (service) {
            for (const event of newEvents(service, options.seenEvents))
                options.onEvent(event);
            const deployment = service.deployments?.find((candidate) => candidate.id === options.deploymentId);
            if (deployment) {
                lastDeployment = deployment;
                const entry = {
                    atMs: now(),
                    state: `${deployment.status ?? '?'} ${deployment.rolloutState ?? ''}`.trim(),
                    running: deployment.runningCount ?? 0,
                    pending: deployment.pendingCount ?? 0,
                    failed: deployment.failedTasks ?? 0,
                };
                const key = `${entry.state}|${entry.running}|${entry.pending}|${entry.failed}`;
                if (key !== lastKey)
                    timeline.push(entry);
                lastKey = key;
            }
            const verdict = assess(service, options.deploymentId);
            lastReason = verdict.reason;
            if (verdict.done && verdict.outcome) {
                return {
                    outcome: verdict.outcome,
                    reason: verdict.reason,
                    deployment: lastDeployment,
                    rollbackDeploymentId: verdict.rollbackDeploymentId,
                    timeline,
                    startedAtMs,
                    endedAtMs: now(),
                    polls,
                };
            }
            options.onWaiting(`Waiting for ${options.deploymentId}: ${verdict.reason}`);
        }
        const remaining = deadline - now();
        if (remaining <= 0) {
            return {
                outcome: 'TIMED_OUT',
                reason: `timed out after ${formatDuration(options.timeoutMs)}: ${lastReason}`,
                deployment: lastDeployment,
                timeline,
                startedAtMs,
                endedAtMs: now(),
                polls,
            };
        }
        await wait(Math.min(options.intervalMs, remaining));
    }
}
function formatDuration(ms) {
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    const seconds = ms / 1000;
    if (seconds < 60)
        return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
    const minutes = Math.floor(seconds / 60);
    const rest = Math.round(seconds - minutes * 60);
    return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

;// CONCATENATED MODULE: ./src/report.ts


function shortRevision(arn) {
    if (!arn)
        return '—';
    return arn.split('/').pop() ?? arn;
}
function consoleUrl(region, cluster, service) {
    const name = (value) => encodeURIComponent(value.split('/').pop() ?? value);
    return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${name(cluster)}/services/${name(service)}/deployments?region=${region}`;
}
/** One line a stopped task, then one a container: what the log shows and the summary tabulates. */
function describeStoppedTasks(tasks) {
    const lines = [];
    for (const task of tasks) {
        const id = task.taskArn.split('/').pop();
        lines.push(`Task ${id} stopped${task.stopCode ? ` (${task.stopCode})` : ''}: ${task.stoppedReason ?? 'no reason given'}`);
        for (const container of task.containers) {
            const parts = [
                container.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
                container.reason,
            ].filter(Boolean);
            if (parts.length > 0)
                lines.push(`  container ${container.name}: ${parts.join(', ')}`);
        }
    }
    return lines;
}
function renderSummary(report) {
    const overview = keyValueTable([
        ['Cluster', code(report.cluster)],
        ['Service', report.service ? code(report.service) : 'none (register only)'],
        ['Previous revision', report.previousArn ? code(shortRevision(report.previousArn)) : undefined],
        [
            report.dryRun ? 'Would register' : 'New revision',
            report.newArn
                ? `${code(shortRevision(report.newArn))}${report.reused ? ' (unchanged, reused)' : ''}`
                : report.dryRun
                    ? 'a new revision'
                    : undefined,
        ],
        ['Deployment', report.deploymentId ? code(report.deploymentId) : undefined],
        ['Rollout', report.outcome ? `${report.outcome}${report.reason ? `: ${report.reason}` : ''}` : undefined],
        ['Rolled back', report.rolledBack ? (report.rollbackNote ?? 'yes') : undefined],
        [
            'Console',
            report.service ? markdown_link('deployments', consoleUrl(report.region, report.cluster, report.service)) : undefined,
        ],
    ], ['', '']);
    const images = report.images.length > 0
        ? table(['Container', 'Before', 'After'], report.images.map((change) => [
            change.container,
            change.before ? code(change.before) : '—',
            change.before === change.after ? 'unchanged' : code(change.after),
        ]))
        : undefined;
    // Times count from the start of the first watch, so a rollback's rows follow the rollout's.
    const origin = report.timeline[0]?.startedAtMs ?? 0;
    const timeline = report.timeline.flatMap(({ phase, entries }) => entries.map((entry, index) => [
        phase,
        `+${formatDuration(entry.atMs - origin)}`,
        index + 1 < entries.length ? formatDuration(entries[index + 1].atMs - entry.atMs) : '',
        entry.state,
        entry.running,
        entry.pending,
        entry.failed,
    ]));
    const stopped = report.stoppedTasks.length > 0
        ? table(['Task', 'Stop code', 'Stopped reason', 'Containers'], report.stoppedTasks.map((task) => [
            code(task.taskArn.split('/').pop() ?? task.taskArn),
            task.stopCode ?? '',
            task.stoppedReason ?? '',
            task.containers
                .map((c) => `${c.name}: ${[c.exitCode !== undefined ? `exit ${c.exitCode}` : '', c.reason ?? ''].filter(Boolean).join(', ') || '—'}`)
                .join('\n'),
        ]))
        : undefined;
    return blocks(heading(report.title), overview, images && blocks(heading('Images', 3), images), stopped && blocks(heading('Why tasks stopped', 3), stopped), timeline.length > 0 &&
        blocks(heading('Rollout timeline', 3), table(['Phase', 'At', 'Lasted', 'State', 'Running', 'Pending', 'Failed'], timeline)), report.events.length > 0 &&
        details(`Service events (${report.events.length})`, table(['Time', 'Message'], report.events.map((event) => [event.createdAt?.toISOString() ?? '', event.message]))), details(report.diff ? 'Task definition diff' : 'Task definition diff (no change)', report.diff ? codeBlock(report.diff, 'diff') : 'The rendered definition equals the one it is compared with.', { open: report.dryRun }), report.deregistered.length > 0 &&
        details(`Deregistered revisions (${report.deregistered.length})`, report.deregistered.map((arn) => `- ${code(shortRevision(arn))}`).join('\n')));
}

;// CONCATENATED MODULE: ./src/deploy.ts












/**
 * The deployment, step by step: render, compare, register, update, watch, explain, roll back, clean
 * up; then the outputs and the job summary. main.ts loads it, with @actions/core and the AWS SDK,
 * once every input is valid.
 */
async function deploy(inputs) {
    const ecs = new Ecs({ region: inputs.region, maxAttempts: inputs.maxAttempts });
    const report = {
        title: inputs.dryRun ? 'deploy-ecs (dry run)' : 'deploy-ecs',
        region: inputs.region,
        cluster: inputs.cluster,
        service: inputs.service,
        reused: false,
        dryRun: inputs.dryRun,
        images: [],
        diff: '',
        rolledBack: false,
        timeline: [],
        events: [],
        stoppedTasks: [],
        deregistered: [],
    };
    const outputs = {
        'task-definition-arn': '',
        'previous-task-definition-arn': '',
        'task-definition': '',
        'deployment-id': '',
        'rollout-state': '',
        'rolled-back': 'false',
        diff: '',
    };
    let finished = false;
    const finish = async () => {
        finished = true;
        for (const [name, value] of Object.entries(outputs))
            core/* setOutput */.uH(name, value);
        await appendSummary(renderSummary(report));
    };
    // Whatever stops the step (a refused permission, say), the outputs and summary say how far it got.
    try {
        await steps();
    }
    catch (error) {
        if (!finished) {
            report.outcome ??= 'ERROR';
            report.reason ??= (0,errors/* errorMessage */.gJ)(error);
            await finish();
        }
        throw error;
    }
    async function steps() {
        const rendered = await core/* group */.Os('Render the task definition', () => deploy_render(ecs, inputs));
        outputs['task-definition'] = rendered.path;
        const current = await core/* group */.Os('Compare with what is registered and running', () => compare(ecs, inputs, rendered.definition));
        outputs['previous-task-definition-arn'] = current.service?.taskDefinition ?? '';
        outputs.diff = current.diff;
        report.previousArn = current.service?.taskDefinition;
        report.diff = current.diff;
        report.images = imageChanges(current.running?.definition ?? current.latest?.definition, rendered.definition);
        if (inputs.dryRun) {
            if (current.unchanged)
                outputs['task-definition-arn'] = current.latest?.arn ?? '';
            report.newArn = current.unchanged ? current.latest?.arn : undefined;
            report.reused = current.unchanged;
            core/* notice */.lm(current.unchanged
                ? `Dry run: the rendered task definition equals ${shortRevision(current.latest?.arn)}; nothing registered or deployed`
                : 'Dry run: the diff above is what would be registered; nothing registered or deployed');
            return finish();
        }
        const registered = await core/* group */.Os('Register the task definition', async () => {
            if (inputs.skipUnchanged && current.unchanged && current.latest) {
                core/* info */.pq(`Unchanged: ${shortRevision(current.latest.arn)} already holds this definition; reusing it`);
                return { arn: current.latest.arn, reused: true };
            }
            const revision = await ecs.registerTaskDefinition(rendered.definition);
            core/* info */.pq(`Registered ${revision.arn}`);
            return { arn: revision.arn, reused: false };
        });
        outputs['task-definition-arn'] = registered.arn;
        report.newArn = registered.arn;
        report.reused = registered.reused;
        if (!inputs.service || !current.service) {
            core/* info */.pq('No service given: registered only');
            return finish();
        }
        const service = inputs.service;
        const seenEvents = new Set((current.service.events ?? []).map((event) => event.id ?? ''));
        const started = await core/* group */.Os(`Update service ${service}`, async () => {
            const updated = await ecs.updateService({
                cluster: inputs.cluster,
                service,
                taskDefinition: registered.arn,
                desiredCount: inputs.desiredCount,
                forceNewDeployment: inputs.forceNewDeployment,
                enableEcsManagedTags: inputs.enableEcsManagedTags,
                propagateTags: inputs.propagateTags,
            });
            const primary = updated.deployments?.find((deployment) => deployment.status === 'PRIMARY');
            if (!primary?.id)
                throw new errors/* ActionFailure */.dR(`UpdateService left service ${service} without a PRIMARY deployment`);
            if (primary.taskDefinition !== registered.arn) {
                throw new errors/* ActionFailure */.dR(`UpdateService did not start a deployment of ${registered.arn} (PRIMARY runs ${primary.taskDefinition})`);
            }
            if (primary.rolloutState === 'COMPLETED') {
                core/* info */.pq(`The service already runs ${shortRevision(registered.arn)}; no new deployment (set force-new-deployment to replace the tasks)`);
            }
            else {
                core/* info */.pq(`Deployment ${primary.id} started: ${shortRevision(current.service?.taskDefinition)} -> ${shortRevision(registered.arn)}`);
            }
            return { id: primary.id, rolloutState: primary.rolloutState ?? 'IN_PROGRESS' };
        });
        const deploymentId = started.id;
        outputs['deployment-id'] = deploymentId;
        report.deploymentId = deploymentId;
        if (!inputs.wait) {
            // Already COMPLETED when the service ran this revision before; otherwise still IN_PROGRESS.
            outputs['rollout-state'] = started.rolloutState;
            report.outcome = `${started.rolloutState} (not waited for)`;
            return finish();
        }
        const watch = (id, phase) => core/* group */.Os(`${phase}: watching deployment ${id}`, async () => {
            const result = await watchDeployment({
                describe: () => ecs.describeService(inputs.cluster, service),
                deploymentId: id,
                intervalMs: inputs.pollIntervalMs,
                timeoutMs: inputs.timeoutMs,
                seenEvents,
                onEvent: (event) => {
                    report.events.push(event);
                    core/* info */.pq(`${event.createdAt?.toISOString() ?? ''} ${event.message}`);
                },
                onWaiting: (text) => core/* info */.pq(text),
                onTransientError: (text) => core/* warning */.$e(text),
            });
            report.timeline.push({ phase, entries: result.timeline, startedAtMs: result.startedAtMs });
            core/* info */.pq(`${phase}: ${result.outcome} after ${formatDuration(result.endedAtMs - result.startedAtMs)} (${result.reason})`);
            return result;
        });
        const rollout = await watch(deploymentId, 'Rollout');
        report.outcome = rollout.outcome;
        report.reason = rollout.reason;
        if (rollout.outcome === 'COMPLETED') {
            outputs['rollout-state'] = 'COMPLETED';
            if (inputs.keepRevisions > 0) {
                report.deregistered = await core/* group */.Os('Deregister old revisions', () => cleanUp(ecs, registered.arn, current.service?.taskDefinition, inputs.keepRevisions));
            }
            return finish();
        }
        outputs['rollout-state'] = rollout.outcome === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED';
        report.stoppedTasks = await core/* group */.Os('Why tasks stopped', async () => {
            const tasks = await stoppedTasks(ecs, inputs.cluster, service, registered.arn);
            for (const line of describeStoppedTasks(tasks))
                core/* info */.pq(line);
            if (tasks.length === 0)
                core/* info */.pq(`No stopped tasks of ${shortRevision(registered.arn)} were found`);
            return tasks;
        });
        const previousArn = current.service.taskDefinition;
        const rollback = await rollBack({ ecs, inputs, service, rollout, previousArn, newArn: registered.arn, watch });
        report.rolledBack = rollback.rolledBack;
        report.rollbackNote = rollback.note;
        outputs['rolled-back'] = String(rollback.rolledBack);
        await finish();
        const why = report.stoppedTasks[0]
            ? ` First stopped task: ${describeStoppedTasks(report.stoppedTasks.slice(0, 1))
                .map((line) => line.trim())
                .join('; ')}.`
            : '';
        throw new errors/* ActionFailure */.dR(`Deployment ${deploymentId} of ${shortRevision(registered.arn)} ${rollout.outcome}: ${rollout.reason}.${why} ${rollback.note}`.trim());
    }
}
async function deploy_render(ecs, inputs) {
    const { source } = inputs;
    let base;
    let origin;
    if (source.kind === 'file') {
        base = source.tags ? { ...source.definition, tags: source.tags } : source.definition;
        origin = source.path;
    }
    else {
        const reference = source.kind === 'family' ? source.family : source.arn;
        const input = source.kind === 'family' ? src_inputs/* INPUT */.bO.taskDefinitionFamily : src_inputs/* INPUT */.bO.taskDefinitionArn;
        const found = await ecs.findTaskDefinition(reference);
        if (!found) {
            throw new errors/* InputError */.dz(input, `names no ${source.kind === 'family' ? 'ACTIVE ' : ''}task definition in ${inputs.region}: '${reference}'`);
        }
        base = found.definition;
        origin = found.arn;
        core/* info */.pq(`Starting from ${found.arn}`);
    }
    const { definition, dropped } = (0,render/* toRegisterable */.Hj)(base);
    if (dropped.length > 0) {
        core/* notice */.lm(`Dropped fields that DescribeTaskDefinition returns but RegisterTaskDefinition refuses: ${dropped.join(', ')}`);
    }
    (0,src_inputs/* checkOverridesAgainst */.bw)(definition, inputs.overrides, origin);
    const rendered = (0,render/* renderTaskDefinition */.P9)(definition, inputs.overrides);
    const family = String(rendered.family);
    const folder = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(process.env.RUNNER_TEMP || (0,external_node_os_.tmpdir)(), 'deploy-ecs-'));
    (0,external_node_fs_.mkdirSync)(folder, { recursive: true });
    const path = (0,external_node_path_.join)(folder, `task-definition-${family}.json`);
    (0,external_node_fs_.writeFileSync)(path, `${JSON.stringify(rendered, null, 2)}\n`);
    core/* info */.pq(`Rendered ${family} to ${path}`);
    return { definition: rendered, path, family };
}
async function compare(ecs, inputs, rendered) {
    const service = inputs.service ? await ecs.describeService(inputs.cluster, inputs.service) : undefined;
    const running = service?.taskDefinition ? await ecs.findTaskDefinition(service.taskDefinition) : undefined;
    const family = String(rendered.family);
    const latest = running?.family === family && (await isLatest(ecs, running)) ? running : await ecs.findTaskDefinition(family);
    const unchanged = latest !== undefined && (0,render/* sameTaskDefinition */.JL)(latest.definition, rendered);
    const base = running ?? latest;
    const diff = diffTaskDefinitions(base?.definition, rendered, {
        before: base ? `${shortRevision(base.arn)}${running ? ' (running)' : ' (latest)'}` : '(nothing registered)',
        after: 'rendered',
    });
    if (service)
        core/* info */.pq(`Service ${service.serviceName} runs ${shortRevision(service.taskDefinition)}`);
    core/* info */.pq(latest ? `Latest revision of ${family}: ${shortRevision(latest.arn)}` : `No ACTIVE revision of ${family} yet`);
    core/* info */.pq(diff ? `Diff against ${shortRevision(base?.arn)}:\n${diff}` : `No difference from ${shortRevision(base?.arn)}`);
    return { service, running, latest, unchanged, diff };
}
async function isLatest(ecs, revision) {
    const latest = await ecs.findTaskDefinition(revision.family);
    return latest?.arn === revision.arn;
}
function imageChanges(before, after) {
    const old = (0,render/* imagesByContainer */.TR)(before);
    return [...(0,render/* imagesByContainer */.TR)(after)].map(([container, image]) => ({
        container,
        before: old.get(container),
        after: image,
    }));
}
async function stoppedTasks(ecs, cluster, service, arn) {
    try {
        return await ecs.stoppedTasks(cluster, service, arn);
    }
    catch (error) {
        core/* warning */.$e(`Could not list the stopped tasks: ${(0,errors/* errorMessage */.gJ)(error)}`);
        return [];
    }
}
async function rollBack(options) {
    const { ecs, inputs, service, rollout, previousArn, newArn, watch } = options;
    if (rollout.outcome === 'ROLLED_BACK_BY_ECS') {
        const note = `The ECS deployment circuit breaker rolled the service back${previousArn ? ` to ${shortRevision(previousArn)}` : ''}.`;
        core/* warning */.$e(note);
        if (rollout.rollbackDeploymentId) {
            const settled = await watch(rollout.rollbackDeploymentId, 'ECS rollback');
            return { rolledBack: true, note: `${note} Its rollback deployment ${settled.outcome}.` };
        }
        return { rolledBack: true, note };
    }
    if (rollout.outcome === 'SUPERSEDED')
        return { rolledBack: false, note: 'Another deployment replaced it; not rolling back.' };
    if (!inputs.rollbackOnFailure)
        return { rolledBack: false, note: 'rollback-on-failure is off; the service was left as it is.' };
    if (!previousArn || previousArn === newArn) {
        return { rolledBack: false, note: 'There is no previous task definition to roll back to.' };
    }
    core/* warning */.$e(`Rolling back service ${service} to ${shortRevision(previousArn)}`);
    const updated = await ecs.updateService({ cluster: inputs.cluster, service, taskDefinition: previousArn });
    const primary = updated.deployments?.find((deployment) => deployment.status === 'PRIMARY');
    if (!primary?.id)
        return { rolledBack: false, note: 'The rollback update left no PRIMARY deployment.' };
    const result = await watch(primary.id, 'Rollback');
    if (result.outcome === 'COMPLETED') {
        return {
            rolledBack: true,
            note: `Rolled back to ${shortRevision(previousArn)} (deployment ${primary.id} COMPLETED).`,
        };
    }
    return {
        rolledBack: false,
        note: `Rolling back to ${shortRevision(previousArn)} did not complete: ${result.outcome} (${result.reason}).`,
    };
}
/** Deregister ACTIVE revisions beyond the newest `keep`, never the new one nor the previous one. */
async function cleanUp(ecs, newArn, previousArn, keep) {
    const family = newArn.split('/').pop()?.split(':')[0] ?? '';
    try {
        const active = await ecs.activeRevisions(family);
        const keepSet = new Set([newArn, previousArn]);
        const excess = active.slice(keep).filter((arn) => !keepSet.has(arn));
        for (const arn of excess) {
            await ecs.deregisterTaskDefinition(arn);
            core/* info */.pq(`Deregistered ${shortRevision(arn)}`);
        }
        if (excess.length === 0)
            core/* info */.pq(`Nothing to deregister: ${active.length} ACTIVE revisions, keeping ${keep}`);
        return excess;
    }
    catch (error) {
        core/* warning */.$e(`Could not deregister old revisions: ${(0,errors/* errorMessage */.gJ)(error)}`);
        return [];
    }
}


/***/ })

};
