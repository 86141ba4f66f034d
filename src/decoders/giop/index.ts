export * from './constants.js';
export * from './encode.js';
export { decodeGiopMessage, formatObjectKey, GIOP_MAX_MESSAGE_SIZE, type GiopMessage } from './decode.js';
export { createGiopStreamDecoder, probeGiop, GIOP_FRAMING } from './stream.js';
