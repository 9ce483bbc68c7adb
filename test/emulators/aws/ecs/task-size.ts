import { AwsServiceError } from '../types.js';

/**
 * Task-level `cpu` and `memory` as RegisterTaskDefinition takes them and ECS stores them.
 *
 * ECS's API reference (RegisterTaskDefinitionRequest cpu/memory) and its troubleshooting page
 * "Troubleshoot Amazon ECS task definition invalid CPU or memory errors" (task-cpu-memory-error)
 * say: cpu is an integer of CPU units (`1024`) or a string of vCPUs (`1 vCPU`, `1 vcpu`), memory an
 * integer of MiB (`1024`) or a string of GB (`1GB`, `1 GB`); the strings are converted to the
 * integer (1 vCPU = 1024 units, 1 GB = 1024 MiB) when the definition is registered, and
 * DescribeTaskDefinition then answers with that integer as a string. Fractions are written as in
 * ECS's own tables (`.25 vCPU`, `0.5 GB`). The unit is matched without regard to case, with or
 * without a space before it (the docs show `vCPU`/`vcpu` and `1GB`/`1 GB`; AWS's cfn-lint matches
 * `(?i)vCpu` and `(?i)GB` after optional whitespace). Values that do not come to a whole number
 * of units (`0.3 vCPU` is 307.2) or carry another unit (`512 MiB`) are refused here: the docs
 * promise no such form, so a deploy tool must not count on it.
 *
 * Refusals are ClientExceptions worded as ECS words them: `Invalid 'cpu' setting for task. For
 * more information, see the Troubleshooting section ...` (the troubleshooting page and users'
 * reports quote it; the memory wording follows it), and `No Fargate configuration exists for given
 * values.` for a pair outside Fargate's table.
 */

export type TaskSizeKey = 'cpu' | 'memory';

const UNIT: Record<TaskSizeKey, string> = { cpu: 'vcpu', memory: 'gb' };
/** CPU units in a vCPU, and MiB in a GB. */
const PER_UNIT = 1024;
const INT32_MAX = 2 ** 31 - 1;

/** The range ECS documents for EC2 and external tasks: 128 units (0.125 vCPU) to 196608 (192 vCPU). */
export const EC2_CPU_RANGE = { min: 128, max: 196_608 } as const;

/** Every `step` from `first` to `last`, both included. */
function steps(first: number, last: number, step: number): number[] {
  return Array.from({ length: (last - first) / step + 1 }, (_, index) => first + index * step);
}

/** Fargate's task sizes, from the same troubleshooting page: CPU units to the memory (MiB) each allows. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1024, 4096, 1024)],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16_384, 1024)],
  [4096, steps(8192, 30_720, 1024)],
  [8192, steps(16_384, 61_440, 4096)],
  [16_384, steps(32_768, 122_880, 8192)],
]);

/** ECS's answer to a task size it cannot read, as the CLI prints it (ClientException, 400). */
export function invalidTaskSize(key: TaskSizeKey): AwsServiceError {
  return new AwsServiceError(
    'ClientException',
    `Invalid '${key}' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
    400,
  );
}

/** ECS's answer to a cpu/memory pair Fargate does not offer. */
export function noFargateConfiguration(): AwsServiceError {
  return new AwsServiceError('ClientException', 'No Fargate configuration exists for given values.', 400);
}

/**
 * The integer ECS stores for a task-level `cpu` (CPU units) or `memory` (MiB) written in any form
 * it accepts, or undefined when it is not one of them.
 */
export function taskSizeUnits(value: string, key: TaskSizeKey): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(value.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  let units: number;
  if (unit === '') {
    if (!/^\d+$/.test(amount)) return undefined;
    units = Number(amount);
  } else if (unit.toLowerCase() === UNIT[key]) {
    // 1024 is a power of two, so the product of a decimal that converts to whole units is exact.
    units = Number(amount) * PER_UNIT;
  } else {
    return undefined;
  }
  // No task size ECS documents comes near 2^31; past it a run of digits would be stored rounded.
  return Number.isInteger(units) && units <= INT32_MAX ? units : undefined;
}

/**
 * Task-level cpu and memory as ECS stores them: converted to integer strings, or refused with
 * ECS's ClientException when it cannot read them, when cpu is outside what EC2 offers, or when
 * the pair is not a Fargate size and the definition requires Fargate.
 */
export function storedTaskSize(
  cpu: string | undefined,
  memory: string | undefined,
  requiresFargate: boolean,
): { cpu?: string; memory?: string } {
  const cpuUnits = cpu === undefined ? undefined : taskSizeUnits(cpu, 'cpu');
  if (cpu !== undefined && cpuUnits === undefined) throw invalidTaskSize('cpu');
  const memoryMiB = memory === undefined ? undefined : taskSizeUnits(memory, 'memory');
  if (memory !== undefined && (memoryMiB === undefined || memoryMiB === 0)) throw invalidTaskSize('memory');
  if (requiresFargate) {
    if (cpuUnits !== undefined && memoryMiB !== undefined && !isFargateSize(cpuUnits, memoryMiB)) {
      throw noFargateConfiguration();
    }
  } else if (cpuUnits !== undefined && (cpuUnits < EC2_CPU_RANGE.min || cpuUnits > EC2_CPU_RANGE.max)) {
    throw invalidTaskSize('cpu');
  }
  return {
    ...(cpuUnits === undefined ? {} : { cpu: String(cpuUnits) }),
    ...(memoryMiB === undefined ? {} : { memory: String(memoryMiB) }),
  };
}

export function isFargateSize(cpuUnits: number, memoryMiB: number): boolean {
  return FARGATE_SIZES.get(cpuUnits)?.includes(memoryMiB) ?? false;
}
