/**
 * The runner's naming rule for inputs, in one place: input `dockerfile-path` reaches the action as
 * the variable `INPUT_DOCKERFILE-PATH` (spaces become `_`, the name is upper-cased, hyphens kept),
 * which is what `@actions/core`'s `getInput` reads.
 */

export type InputValue = string | number | boolean | undefined;

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The `INPUT_*` variables for `inputs` (an `undefined` value sets nothing), then `extra` on top:
 * the environment an action's `getInputs(env)` reads in a unit test.
 */
export function inputEnv(
  inputs: Record<string, InputValue>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs))
    if (value !== undefined) variables[inputVariable(name)] = String(value);
  return { ...variables, ...extra };
}
