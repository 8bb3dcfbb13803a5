export * from './constants.js';
export * from './errors.js';
export * from './client-id.js';
export * from './text.js';
export * from './line-decoder.js';
export * from './request.js';
export * from './server-pdu.js';
export * from './secure-request.js';
