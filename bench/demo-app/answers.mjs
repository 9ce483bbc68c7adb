// The demo app's answers to GET /health and GET /version, as the baseline servers send them: the
// same JSON the app serialises once at start-up, from the same environment variables.
import { Buffer } from 'node:buffer';

export const bodies = {
  '/health': Buffer.from(JSON.stringify({ status: 'ok' })),
  '/version': Buffer.from(
    JSON.stringify({
      version: process.env.APP_VERSION ?? '0.0.0-dev',
      commit: process.env.GIT_SHA ?? 'unknown',
      builtAt: null,
    }),
  ),
};
