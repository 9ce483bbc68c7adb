export * from './errors.js';
export * from './inputs.js';
export * from './structured-inputs.js';
export * from './markdown.js';
export * from './context.js';
export * from './poll.js';
export { run } from './run.js';
export { appendSummary } from './summary.js';
