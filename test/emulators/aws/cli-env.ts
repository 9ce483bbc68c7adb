import { join } from 'node:path';
import type { AwsEmulator } from './index.js';

/**
 * The environment the AWS CLI gets to talk to `emulator` and nothing else: its credentials and
 * region, no config or credentials file of this machine's (`home` is a temporary folder), one
 * attempt per call, no pager. The endpoint goes on the command line (`--endpoint-url`).
 */
export function awsCliEnv(emulator: AwsEmulator, home: string): NodeJS.ProcessEnv {
  const env = emulator.clientEnv();
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION: env.AWS_REGION,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  };
}
