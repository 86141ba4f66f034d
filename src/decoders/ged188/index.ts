/** GED-188 / Unified CCX CTI: decoder, encoder, stream decoder, content probe and constant tables. */

export * from './constants.js';
export {
  decodeGed188Message,
  type Ged188DecodeOptions,
  type Ged188Message,
  type TagWidthEvidence,
} from './decode.js';
export {
  encodeGed188,
  openReq,
  openConf,
  failureConf,
  failureEvent,
  heartbeatReq,
  heartbeatConf,
  closeReq,
  closeConf,
  queryAgentStateReq,
  queryAgentStateConf,
  setAgentStateReq,
  setAgentStateConf,
  agentStateEvent,
  controlFailureConf,
  systemEvent,
  type BuilderOptions,
  type FixedInputValue,
  type Ged188EncodeInput,
  type Ged188EncodeOptions,
  type Ged188FloatingInput,
  type OpenReqParams,
  type OpenConfParams,
  type QueryAgentStateReqParams,
  type QueryAgentStateConfParams,
  type SetAgentStateReqParams,
  type AgentStateEventParams,
  type SystemEventParams,
} from './encode.js';
export { type Ged188FloatingField, type FloatingInputValue, type TagWidth } from './floating.js';
export { catalog, layoutFor, type MessageLayout, type FixedField, type LayoutVariant, type LayoutConfidence, type FloatingGroup } from './layouts.js';
export { enumName, type EnumKind } from './enumerations.js';
export { createGed188StreamDecoder, probeGed188, ged188PduLength, isReplyTo } from './stream.js';
