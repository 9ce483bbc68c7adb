export const id = 159;
export const ids = [159];
export const modules = {

/***/ 6159:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ecs: () => (/* binding */ Ecs)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4224);
/* harmony import */ var _shared_src_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9437);
/* harmony import */ var _aws_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2035);



class Ecs {
    client;
    constructor({ region, maxAttempts }) {
        this.client = new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .ECSClient */ .Zgc({ region, maxAttempts, retryMode: 'standard' });
    }
    async call(operation, send) {
        try {
            return await send();
        }
        catch (error) {
            throw (0,_aws_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .explainAwsError */ .Ni)(error, operation);
        }
    }
    /** A revision by ARN or `family:revision`, or a family's latest ACTIVE revision; undefined if none. */
    async findTaskDefinition(reference) {
        try {
            const { taskDefinition, tags } = await this.call('DescribeTaskDefinition', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .DescribeTaskDefinitionCommand */ .Zy$({ taskDefinition: reference, include: ['TAGS'] })));
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
        const { taskDefinition } = await this.call('RegisterTaskDefinition', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .RegisterTaskDefinitionCommand */ .$Hl(definition)));
        if (!taskDefinition?.taskDefinitionArn)
            throw new _shared_src_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionFailure */ .dR('RegisterTaskDefinition returned no task definition ARN');
        return {
            arn: taskDefinition.taskDefinitionArn,
            family: taskDefinition.family ?? '',
            revision: taskDefinition.revision ?? 0,
            definition: taskDefinition,
        };
    }
    async describeService(cluster, service) {
        const result = await this.call('DescribeServices', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .DescribeServicesCommand */ .H7c({ cluster, services: [service] })));
        const found = result.services?.[0];
        if (!found) {
            throw new _shared_src_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionFailure */ .dR(`Service '${service}' was not found in cluster '${cluster}' (${result.failures?.[0]?.reason ?? 'MISSING'}). Check the 'service' and 'cluster' inputs, and the region`);
        }
        if (found.status !== 'ACTIVE') {
            throw new _shared_src_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionFailure */ .dR(`Service '${service}' in cluster '${cluster}' is ${found.status}, not ACTIVE`);
        }
        return found;
    }
    async updateService(request) {
        const result = await this.call('UpdateService', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .UpdateServiceCommand */ .kZr({
            cluster: request.cluster,
            service: request.service,
            taskDefinition: request.taskDefinition,
            desiredCount: request.desiredCount,
            forceNewDeployment: request.forceNewDeployment,
            enableECSManagedTags: request.enableEcsManagedTags,
            propagateTags: request.propagateTags,
        })));
        if (!result.service)
            throw new _shared_src_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionFailure */ .dR('UpdateService returned no service');
        return result.service;
    }
    /** The ACTIVE revisions of a family, newest first. */
    async activeRevisions(family) {
        const arns = [];
        let nextToken;
        do {
            const page = await this.call('ListTaskDefinitions', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .ListTaskDefinitionsCommand */ .Pse({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken })));
            // familyPrefix has matched a whole family name in practice; filter anyway so `web` never touches `web-worker`.
            arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => arn.split('/').pop()?.split(':')[0] === family));
            nextToken = page.nextToken;
        } while (nextToken);
        return arns;
    }
    async deregisterTaskDefinition(arn) {
        await this.call('DeregisterTaskDefinition', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .DeregisterTaskDefinitionCommand */ .sjB({ taskDefinition: arn })));
    }
    /** The service's stopped tasks of one task definition, newest first, at most `limit`. */
    async stoppedTasks(cluster, service, taskDefinitionArn, limit = 10) {
        const { taskArns = [] } = await this.call('ListTasks', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .ListTasksCommand */ .MYg({ cluster, serviceName: service, desiredStatus: 'STOPPED', maxResults: 100 })));
        if (taskArns.length === 0)
            return [];
        const { tasks = [] } = await this.call('DescribeTasks', () => this.client.send(new _aws_sdk_client_ecs__WEBPACK_IMPORTED_MODULE_2__/* .DescribeTasksCommand */ .z8X({ cluster, tasks: taskArns })));
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


/***/ })

};
