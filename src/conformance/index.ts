export * from './types.js';
export * from './probe.js';
export * from './matchers.js';
export * from './script.js';
export * from './suite.js';
export * from './run.js';
export * from './report.js';
export * from './target.js';
export { connectionCount } from './checks/robustness.js';
