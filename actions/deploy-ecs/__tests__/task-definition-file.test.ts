import { describe, expect, test } from '@jest/globals';
import { InputError } from '@shipyard/shared/errors';
import { checkFieldTypes, dropEmptyValues, TYPED_FIELDS } from '../src/task-definition-file.js';
import {
  deploy,
  emulatorForSuite,
  fargateDefinition,
  seedWebService,
  WEB_DEPLOY_INPUTS,
  workspaceWith,
} from './helpers.js';

const base = () => ({
  family: 'web',
  containerDefinitions: [{ name: 'app', image: 'nginx:1', portMappings: [{ containerPort: 80 }] }],
});

describe('dropEmptyValues (as aws-actions/amazon-ecs-deploy-task-definition cleans a file)', () => {
  test.each([
    ['null at the top', { ...base(), taskRoleArn: null }, base(), ['taskRoleArn']],
    ['an empty string', { ...base(), executionRoleArn: '' }, base(), ['executionRoleArn']],
    ['an empty list', { ...base(), volumes: [] }, base(), ['volumes']],
    ['an empty object', { ...base(), runtimePlatform: {} }, base(), ['runtimePlatform']],
    [
      'an object of empty values only',
      { ...base(), runtimePlatform: { cpuArchitecture: '', operatingSystemFamily: null } },
      base(),
      ['runtimePlatform'],
    ],
    [
      'empty items of a list, inside a container',
      {
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'nginx:1', command: ['', 'serve', null], entryPoint: [] }],
      },
      { family: 'web', containerDefinitions: [{ name: 'app', image: 'nginx:1', command: ['serve'] }] },
      [
        'containerDefinitions[0].command[0]',
        'containerDefinitions[0].command[2]',
        'containerDefinitions[0].entryPoint',
      ],
    ],
    [
      'a variable with an empty value keeps "" (ECS takes it; the official action puts it back)',
      {
        family: 'web',
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1',
            environment: [
              { name: 'EMPTY', value: '' },
              { name: 'NULL', value: null },
            ],
          },
        ],
      },
      {
        family: 'web',
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1',
            environment: [
              { name: 'EMPTY', value: '' },
              { name: 'NULL', value: '' },
            ],
          },
        ],
      },
      [],
    ],
    [
      'zero and false are values',
      { ...base(), enableFaultInjection: false, ephemeralStorage: { sizeInGiB: 0 } },
      { ...base(), enableFaultInjection: false, ephemeralStorage: { sizeInGiB: 0 } },
      [],
    ],
  ])('%s', (_name, input, expected, dropped) => {
    const result = dropEmptyValues(input as Record<string, unknown>);
    expect(result.definition).toEqual(expected);
    expect(result.dropped).toEqual(dropped);
  });

  test('keep-null-value-keys keeps the named keys as written, at any depth', () => {
    const input = {
      ...base(),
      volumes: [{ name: 'data', host: {} }],
      containerDefinitions: [{ name: 'app', image: 'nginx:1', command: [], dockerLabels: {} }],
    };
    const { definition, dropped } = dropEmptyValues(input, new Set(['host', 'command']));
    expect(definition).toEqual({
      family: 'web',
      volumes: [{ name: 'data', host: {} }],
      containerDefinitions: [{ name: 'app', image: 'nginx:1', command: [] }],
    });
    expect(dropped).toEqual(['containerDefinitions[0].dockerLabels']);
  });

  test('leaves the input untouched', () => {
    const input = { ...base(), taskRoleArn: null };
    dropEmptyValues(input);
    expect(input.taskRoleArn).toBeNull();
  });
});

describe('checkFieldTypes', () => {
  const container = (fields: Record<string, unknown>) => ({
    family: 'web',
    cpu: '256',
    memory: '0.5 GB',
    containerDefinitions: [{ name: 'app', image: 'nginx:1', ...fields }],
  });

  test.each([
    [container({ cpu: '256' }), 'containerDefinitions[0].cpu', 'number', '"cpu": 256'],
    [
      container({ portMappings: [{ containerPort: 80 }, { containerPort: '8080' }] }),
      'containerDefinitions[0].portMappings[1].containerPort',
      'number',
      '"containerPort": 8080',
    ],
    [container({ essential: 'true' }), 'containerDefinitions[0].essential', 'boolean', '"essential": true'],
    [
      container({ healthCheck: { command: ['CMD', 'true'], retries: '3' } }),
      'containerDefinitions[0].healthCheck.retries',
      'number',
      '"retries": 3',
    ],
    [
      container({ ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: '4096' }] }),
      'containerDefinitions[0].ulimits[0].hardLimit',
      'number',
      '"hardLimit": 4096',
    ],
    [
      { ...container({}), ephemeralStorage: { sizeInGiB: '30' } },
      'ephemeralStorage.sizeInGiB',
      'number',
      '"sizeInGiB": 30',
    ],
  ])('refuses a value written as a string, naming its path: %#', (definition, path, kind, fix) => {
    let error: unknown;
    try {
      checkFieldTypes(definition, 'task-definition');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(`the ${kind} ${path} written as a string`);
    expect((error as Error).message).toContain(fix);
  });

  test.each([
    [container({ memory: 1.5 }), 'containerDefinitions[0].memory that is not a whole number'],
    [container({ memory: 'lots' }), 'containerDefinitions[0].memory that is not a whole number'],
    [container({ privileged: 'yes' }), 'containerDefinitions[0].privileged that is not true or false'],
    [container({ stopTimeout: 2 ** 31 }), 'containerDefinitions[0].stopTimeout that is not a whole number'],
  ])('refuses a value of the wrong type: %#', (definition, message) => {
    expect(() => checkFieldTypes(definition, 'task-definition')).toThrow(message);
  });

  test('task-level cpu and memory are strings in the model, and strings pass', () => {
    expect(() =>
      checkFieldTypes(
        container({ cpu: 128, memory: 256, essential: true, portMappings: [{ containerPort: 80, hostPort: 80 }] }),
        'task-definition',
      ),
    ).not.toThrow();
  });

  test('the typed fields are those the ECS model types as integer or boolean', () => {
    expect(TYPED_FIELDS.get('cpu')).toBeUndefined();
    expect(TYPED_FIELDS.get('memory')).toBeUndefined();
    expect(TYPED_FIELDS.get('containerDefinitions[].cpu')).toBe('integer');
    expect(TYPED_FIELDS.get('containerDefinitions[].portMappings[].containerPort')).toBe('integer');
  });
});

// Files written for the official deploy action, through the bundle against the emulator.
describe('task definition files of the official action at the wire', () => {
  const emulator = emulatorForSuite();
  const official = {
    ...fargateDefinition(),
    taskRoleArn: '',
    volumes: [],
    placementConstraints: null,
    containerDefinitions: [
      {
        ...fargateDefinition().containerDefinitions[0],
        command: [],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'EMPTY', value: '' },
        ],
        secrets: null,
        dockerLabels: {},
      },
    ],
  };
  const run = (definition: unknown, inputs: Record<string, string> = {}) => {
    seedWebService(emulator());
    return deploy(
      emulator(),
      { ...WEB_DEPLOY_INPUTS, ...inputs },
      { workspace: workspaceWith({ 'task-definition.json': JSON.stringify(definition) }) },
    );
  };
  const registered = () =>
    emulator().calls({ operation: 'RegisterTaskDefinition' })[0]?.request as Record<string, unknown> & {
      containerDefinitions: Record<string, unknown>[];
    };

  test('empty values are dropped as the official action drops them, with a notice naming them', async () => {
    const result = await run(official);
    expect(result.errors).toEqual([]);
    const request = registered();
    expect(request).not.toHaveProperty('taskRoleArn');
    expect(request).not.toHaveProperty('volumes');
    expect(request).not.toHaveProperty('placementConstraints');
    expect(request.containerDefinitions[0]).not.toHaveProperty('command');
    expect(request.containerDefinitions[0]).not.toHaveProperty('secrets');
    expect(request.containerDefinitions[0].environment).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'EMPTY', value: '' },
    ]);
    expect(result.notices.join('\n')).toContain(
      'Dropped empty values from the task definition file, as aws-actions/amazon-ecs-deploy-task-definition does (keep-null-value-keys keeps named keys): containerDefinitions[0].command, containerDefinitions[0].secrets, containerDefinitions[0].dockerLabels, taskRoleArn, volumes, placementConstraints',
    );
  });

  test('keep-null-value-keys keeps the keys named', async () => {
    const result = await run(official, { 'keep-null-value-keys': 'volumes, dockerLabels' });
    expect(result.errors).toEqual([]);
    expect(registered().volumes).toEqual([]);
    expect(registered().containerDefinitions[0].dockerLabels).toEqual({});
    expect(registered()).not.toHaveProperty('taskRoleArn');
  });

  test.each([
    [
      { containerPort: '80' },
      'portMappings',
      /the number containerDefinitions\[0\]\.portMappings\[0\]\.containerPort written as a string \('80'\)/,
    ],
    [
      { containerPort: 3000 },
      'cpu',
      /the number containerDefinitions\[0\]\.cpu written as a string \('256'\).*"cpu": 256/,
    ],
    [{ containerPort: 3000 }, 'essential', /the boolean containerDefinitions\[0\]\.essential written as a string/],
  ])(
    'a value written as a string is refused before any call, with its path: %j %s',
    async (mapping, field, message) => {
      const container: Record<string, unknown> = {
        ...fargateDefinition().containerDefinitions[0],
        portMappings: [mapping],
      };
      if (field === 'cpu') container.cpu = '256';
      if (field === 'essential') container.essential = 'true';
      const result = await run({ ...fargateDefinition(), containerDefinitions: [container] });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(/^Input 'task-definition' has the /);
      expect(result.errors[0]).toMatch(message);
      expect(emulator().calls()).toEqual([]);
    },
  );

  test('a bad keep-null-value-keys is refused before any call', async () => {
    const result = await run(official, { 'keep-null-value-keys': 'volumes, docker labels' });
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^Input 'keep-null-value-keys' holds something that is not a task definition field name: 'docker labels'/,
      ),
    ]);
    expect(emulator().calls()).toEqual([]);
  });
});
