export * from './constants.js';
export * from './filter.js';
export * from './encode.js';
