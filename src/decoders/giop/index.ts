export * from './constants.js';
export * from './encode.js';
