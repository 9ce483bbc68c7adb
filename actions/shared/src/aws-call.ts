import { explainAwsError } from './aws-errors.js';

/**
 * One AWS SDK call, made the way every action makes them: `send` runs it (the client's own retry
 * applies inside), and a permission or credential error comes back explained, naming the IAM
 * action (`service:operation` unless AWS named another); any other error passes through unchanged
 * for the caller to match on its `name`.
 *
 * @param service the IAM service prefix (`ecs`, `ecr`)
 * @param operation the API operation as AWS names it (`UpdateService`)
 */
export async function awsCall<T>(service: string, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explainAwsError(error, service, operation);
  }
}
