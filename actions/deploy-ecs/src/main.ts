import { getInputs } from './inputs.js';

/**
 * Read and check every input, then load the rest. Nothing heavy is imported above this line:
 * @actions/core (undici) and the AWS SDK come with ./deploy.js, a separate chunk of the bundle that
 * is read only after validation, so a bad input fails in a fraction of the start-up time and
 * before any AWS call.
 */
export async function main(): Promise<void> {
  const inputs = getInputs();
  const { deploy } = await import('./deploy.js');
  await deploy(inputs);
}
