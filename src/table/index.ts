export * from './types.js';
export * from './fields.js';
export * from './domain.js';
export * from './lookup.js';
