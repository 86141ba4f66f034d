/**
 * The GED-188 (Unified CCX CTI, protocol version 14, 1-byte tags) messages a CAD desktop and the UCCX CTI
 * server exchange at login, built with the decoders' own encoder (src/decoders/ged188/encode.ts).
 * UCCX conventions: the agent ID travels in tag 194 (AGENT_ID_LONG); reserved PeripheralID fields are 1.
 */

import {
  agentStateEvent,
  closeConf,
  closeReq,
  controlFailureConf,
  failureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
} from '../../decoders/ged188/encode.js';
import type { AgentSpec } from './desktop-types.js';

export const CTI_PROTOCOL_VERSION = 14;
const SERVICES = ['CLIENT_EVENTS', 'CLIENT_CONTROL'] as const;
/** UCCX AGENT_STATE_EVENT fills unused fixed fields with these constants (reference §3). */
const UCCX_PERIPHERAL_TYPE = 21;

/** A fixed CTI server clock value (2024-03-12 08:00:00 UTC) so the bytes do not depend on the date of the run. */
const CENTRAL_CONTROLLER_TIME = 1710230400;

export const cti = {
  openReq(invokeId: number, a: AgentSpec): Uint8Array {
    return openReq({
      invokeId,
      versionNumber: CTI_PROTOCOL_VERSION,
      idleTimeout: 90,
      peripheralId: 1,
      servicesRequested: SERVICES,
      callMsgMask: 0x0003ffff,
      agentStateMask: 0x3ff,
      configMsgMask: 0,
      clientId: `CAD-${a.pcName}`,
      clientPassword: '',
      agentExtension: a.extension,
      agentId: a.agentId,
      agentIdTag: 194,
      agentInstrument: a.instrument,
    });
  },
  openConf(invokeId: number, a: AgentSpec): Uint8Array {
    return openConf({
      invokeId,
      servicesGranted: SERVICES,
      monitorId: 0,
      pgStatus: 0,
      icmCentralControllerTime: CENTRAL_CONTROLLER_TIME,
      peripheralOnline: true,
      peripheralType: UCCX_PERIPHERAL_TYPE,
      agentState: 'LOGOUT',
      agentExtension: a.extension,
      agentId: a.agentId,
      agentIdTag: 194,
      agentInstrument: a.instrument,
    });
  },
  failureConf(invokeId: number, status: number): Uint8Array {
    return failureConf({ invokeId, status });
  },
  queryAgentStateReq(invokeId: number, a: AgentSpec): Uint8Array {
    return queryAgentStateReq({ invokeId, peripheralId: 1, mrdId: 1, icmAgentId: 0, agentId: a.agentId, agentIdTag: 194 });
  },
  queryAgentStateConf(invokeId: number, a: AgentSpec): Uint8Array {
    return queryAgentStateConf({
      invokeId,
      agentState: 'LOGOUT',
      numSkillGroups: 0,
      mrdId: 1,
      agentAvailabilityStatus: 0,
      agentId: a.agentId,
      agentIdTag: 194,
      agentExtension: a.extension,
      agentInstrument: a.instrument,
    });
  },
  setAgentStateLoginReq(invokeId: number, a: AgentSpec): Uint8Array {
    return setAgentStateReq({
      invokeId,
      peripheralId: 1,
      agentState: 'LOGIN',
      agentInstrument: a.instrument,
      agentId: a.agentId,
      agentIdTag: 194,
      agentPassword: a.password,
      agentExtension: a.extension,
    });
  },
  setAgentStateConf(invokeId: number): Uint8Array {
    return setAgentStateConf({ invokeId });
  },
  agentStateEvent(a: AgentSpec, state: string): Uint8Array {
    return agentStateEvent({
      monitorId: 0,
      peripheralId: 1,
      sessionId: 0,
      peripheralType: UCCX_PERIPHERAL_TYPE,
      skillGroupId: 0xffffffff,
      agentState: state,
      mrdId: 1,
      agentAvailabilityStatus: 1,
      agentId: a.agentId,
      agentIdTag: 194,
      agentExtension: a.extension,
      agentInstrument: a.instrument,
    });
  },
  controlFailureConf(invokeId: number, failureCode: number, peripheralErrorCode: number): Uint8Array {
    return controlFailureConf({ invokeId, failureCode, peripheralErrorCode });
  },
  closeReq(invokeId: number): Uint8Array {
    return closeReq({ invokeId });
  },
  closeConf(invokeId: number): Uint8Array {
    return closeConf({ invokeId });
  },
  heartbeatReq(invokeId: number): Uint8Array {
    return heartbeatReq({ invokeId });
  },
  heartbeatConf(invokeId: number): Uint8Array {
    return heartbeatConf({ invokeId });
  },
};
