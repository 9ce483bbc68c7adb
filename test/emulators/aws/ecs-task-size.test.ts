import { describe, expect, test } from '@jest/globals';
import { AwsServiceError } from './types.js';
import { isFargateSize, storedTaskSize, taskSizeUnits, type TaskSizeKey } from './ecs/task-size.js';

describe('task-level cpu and memory as ECS stores them', () => {
  test.each<[string, TaskSizeKey, number]>([
    ['256', 'cpu', 256],
    ['1024', 'cpu', 1024],
    ['1 vCPU', 'cpu', 1024],
    ['1 vcpu', 'cpu', 1024],
    ['1vCPU', 'cpu', 1024],
    ['1 VCPU', 'cpu', 1024],
    ['0.25 vCPU', 'cpu', 256],
    ['.25 vCPU', 'cpu', 256],
    ['.5 vcpu', 'cpu', 512],
    ['0.125 vCPU', 'cpu', 128],
    ['2.0 vCPU', 'cpu', 2048],
    ['16 vCPU', 'cpu', 16_384],
    [' 256 ', 'cpu', 256],
    ['512', 'memory', 512],
    ['1GB', 'memory', 1024],
    ['1 GB', 'memory', 1024],
    ['1 gb', 'memory', 1024],
    ['0.5 GB', 'memory', 512],
    ['0.5GB', 'memory', 512],
    ['.5 GB', 'memory', 512],
    ['1.0GB', 'memory', 1024],
    ['30 GB', 'memory', 30_720],
  ])('%j as %s is %d', (value, key, expected) => {
    expect(taskSizeUnits(value, key)).toBe(expected);
  });

  test.each<[string, TaskSizeKey]>([
    ['0.3 vCPU', 'cpu'], // 307.2 units: not a whole number
    ['256.5', 'cpu'], // a bare number is already in units, so it must be an integer
    ['0.25', 'cpu'],
    ['1 GB', 'cpu'], // the other key's unit
    ['1 vCPU', 'memory'],
    ['512 MiB', 'memory'], // not a form ECS documents
    ['512MB', 'memory'],
    ['1 cpu', 'cpu'],
    ['lots', 'memory'],
    ['', 'cpu'],
    ['-256', 'cpu'],
    ['1e3', 'cpu'],
    ['0x100', 'cpu'],
    ['1 v CPU', 'cpu'],
    ['99999999999999999999', 'memory'],
    ['4194304 GB', 'memory'], // 2^32 MiB
    ['1 vCPUs', 'cpu'],
  ])('%j as %s is not a task size', (value, key) => {
    expect(taskSizeUnits(value, key)).toBeUndefined();
  });

  test.each<[string | undefined, string | undefined, boolean, { cpu?: string; memory?: string }]>([
    ['0.25 vCPU', '0.5 GB', true, { cpu: '256', memory: '512' }],
    ['.5 vcpu', '1GB', true, { cpu: '512', memory: '1024' }],
    ['1 vCPU', '8 GB', true, { cpu: '1024', memory: '8192' }],
    ['8 vCPU', '60 GB', true, { cpu: '8192', memory: '61440' }],
    ['256', '512', true, { cpu: '256', memory: '512' }],
    ['0.125 vCPU', '100', false, { cpu: '128', memory: '100' }],
    ['192 vCPU', undefined, false, { cpu: '196608' }],
    [undefined, '0.5 GB', false, { memory: '512' }],
    [undefined, undefined, false, {}],
  ])('cpu %j, memory %j (Fargate: %s) are stored as %j', (cpu, memory, fargate, expected) => {
    expect(storedTaskSize(cpu, memory, fargate)).toEqual(expected);
  });

  test.each<[string | undefined, string | undefined, boolean, RegExp]>([
    ['0.3 vCPU', '1 GB', true, /^Invalid 'cpu' setting for task\. For more information, see the Troubleshooting/],
    ['256', 'lots', true, /^Invalid 'memory' setting for task\./],
    ['256', '0', false, /^Invalid 'memory' setting for task\./],
    ['64', undefined, false, /^Invalid 'cpu' setting for task\./], // below 0.125 vCPU
    ['193 vCPU', undefined, false, /^Invalid 'cpu' setting for task\./], // above 192 vCPU
    ['0.25 vCPU', '4 GB', true, /^No Fargate configuration exists for given values\.$/],
    ['1 vCPU', '1 GB', true, /^No Fargate configuration exists for given values\.$/],
    ['2 vCPU', '4.5 GB', true, /^No Fargate configuration exists for given values\.$/],
    ['8 vCPU', '18 GB', true, /^No Fargate configuration exists for given values\.$/], // 4 GB steps
    ['0.125 vCPU', '512', true, /^No Fargate configuration exists for given values\.$/],
  ])('cpu %j, memory %j (Fargate: %s) are refused', (cpu, memory, fargate, message) => {
    let refusal: unknown;
    try {
      storedTaskSize(cpu, memory, fargate);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AwsServiceError);
    expect(refusal).toMatchObject({ type: 'ClientException', status: 400 });
    expect((refusal as Error).message).toMatch(message);
  });

  test.each<[number, number[], number[]]>([
    [256, [512, 1024, 2048], [256, 1536, 3072]],
    [512, [1024, 2048, 3072, 4096], [512, 5120]],
    [1024, [2048, 5120, 8192], [1024, 9216]],
    [2048, [4096, 16_384], [3072, 17_408]],
    [4096, [8192, 30_720], [7168, 31_744]],
    [8192, [16_384, 20_480, 61_440], [18_432, 65_536]],
    [16_384, [32_768, 40_960, 122_880], [36_864, 131_072]],
    [128, [], [256, 512]],
  ])('Fargate with %d CPU units offers %j and not %j MiB', (cpu, offered, refused) => {
    for (const memory of offered) expect(isFargateSize(cpu, memory)).toBe(true);
    for (const memory of refused) expect(isFargateSize(cpu, memory)).toBe(false);
  });
});
