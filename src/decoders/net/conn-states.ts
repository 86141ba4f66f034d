/** Zeek's connection states (FlowRecord.state) in words, for people who do not know the codes by heart. */

import type { ConnState } from '../types.js';

/** Each state's words, relative to the connection's client and server (the flow table, a session's end). */
export const STATE_WORDS: Record<ConnState, string> = {
  S0: 'no answer',
  REJ: 'refused',
  S1: 'open',
  SF: 'closed',
  S2: 'client closed',
  S3: 'server closed',
  RSTO: 'reset by client',
  RSTR: 'reset by server',
  RSTOS0: 'SYN then client reset',
  RSTRH: 'server reset, SYN not seen',
  SH: 'SYN then FIN, no answer',
  SHR: 'SYN-ACK then FIN, SYN not seen',
  OTH: 'mid-stream',
};

/** How a session's connection stood at its end, for people: "reset by server (RSTR)", "open at the end of the capture". */
export function sessionEndText(state: string): string {
  return state === 'S1' || state === 'OTH' ? 'open at the end of the capture' : `ended: ${stateWithCode(state)}`;
}

/** A state's words; undefined for a code that is no state. */
export function stateWords(state: string): string | undefined {
  return Object.hasOwn(STATE_WORDS, state) ? STATE_WORDS[state as ConnState] : undefined;
}

/** "reset by server (RSTR)": the words, then the code for those who know it; a state with no words as it is. */
export function stateWithCode(state: string): string {
  const words = stateWords(state);
  return words ? `${words} (${state})` : state;
}
