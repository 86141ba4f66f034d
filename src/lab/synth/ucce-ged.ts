/**
 * The GED-188 messages of a UCCE CTI server (the PG's CTI Server, side A 42027 / side B 43027) and the CTI clients
 * that carry many agents over one session (CTI OS Server, Finesse), built with the decoders' own encoder.
 * Used by the capture generator (server-side.ts) and by the lab's PG CTI server, CTI OS server and CTI client.
 *
 * UCCE conventions (reference §3): AgentID in tag 5, PeripheralID of the agents' peripheral (5000 here),
 * PeripheralType ENTERPRISE_AGENT (17). Protocol 20 and later use 2-byte floating tags and lengths and the
 * longer fixed parts with DepartmentID (OPEN_CONF, QUERY_AGENT_STATE_CONF, AGENT_STATE_EVENT).
 */

import {
  agentStateEvent,
  controlFailureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
  systemEvent,
  type BuilderOptions,
  type Ged188FloatingInput,
} from '../../decoders/ged188/encode.js';

/** The agents' peripheral (a CUCM PG's peripheral ID). */
export const UCCE_PERIPHERAL_ID = 5000;
const ENTERPRISE_AGENT = 17;
/** A fixed CTI server clock value (2024-03-12 08:00:00 UTC) so the bytes do not depend on the date of the run. */
const CENTRAL_CONTROLLER_TIME = 1710230400;
/** Tag 217, CTIOS_CIL_CLIENT_ID: which desktop (CIL client) a CTI OS Server request is made for. */
export const TAG_CTIOS_CIL_CLIENT_ID = 217;
/** Tag 303, FLT_TERM_DEVICE_NAME (ActiveTerminal): only encodable with 2-byte tags. */
export const TAG_ACTIVE_TERMINAL = 303;

/** One UCCE agent as the CTI server knows it. */
export interface UcceAgent {
  agentId: string;
  extension: string;
  instrument: string;
  icmAgentId: number;
  password: string;
}

/** A CTI client's session parameters. */
export interface UcceClient {
  clientId: string;
  version: number;
  /** OPEN_REQ ServicesRequested, as a number or bit names. */
  services: number | readonly string[];
  idleTimeout: number;
  /** ClientSignature (tag 3); the CTI server copies it into AGENT_STATE_EVENTs it caused. */
  signature: string;
  password: string;
}

/** The recorded CTI OS Server session (reference §3): v15, Services 0x001C0296, ClientID/password/signature "CTIOSServer". */
export const CTIOS_SERVER_CLIENT: UcceClient = { clientId: 'CTIOSServer', version: 15, services: 0x001c0296, idleTimeout: 120, signature: 'CTIOSServer', password: 'CTIOSServer' };

/** A Finesse-like bridge client on protocol 22 (UCCE 12.0): 2-byte tags. */
export const FINESSE_CLIENT: UcceClient = {
  clientId: 'FinesseA',
  version: 22,
  services: ['ALL_EVENTS', 'CLIENT_CONTROL', 'CALL_DATA_UPDATE', 'UPDATE_EVENTS'],
  idleTimeout: 60,
  signature: 'FinesseA',
  password: '',
};

export interface LoginRefusal {
  /** ControlFailureCode (CF_*). */
  failureCode: number;
  /** PeripheralErrorCode (0 when the peripheral gave none). */
  peripheralErrorCode: number;
}

/** The message set of one session, in its protocol version's tag width and fixed-part lengths. */
export class UcceMessages {
  readonly opts: BuilderOptions;
  private readonly v20: boolean;

  constructor(readonly client: UcceClient) {
    this.v20 = client.version >= 20;
    this.opts = { tagWidth: this.v20 ? 2 : 1 };
  }

  /** DepartmentID present in the fixed part from v20 on (the longer layouts). */
  private dept(): { departmentId?: number } {
    return this.v20 ? { departmentId: 0 } : {};
  }

  openReq(invokeId: number): Uint8Array {
    const c = this.client;
    return openReq({
      invokeId,
      versionNumber: c.version,
      idleTimeout: c.idleTimeout,
      peripheralId: UCCE_PERIPHERAL_ID,
      servicesRequested: c.services,
      callMsgMask: 0xffffffff,
      agentStateMask: 0x3fff,
      configMsgMask: 0,
      clientId: c.clientId,
      clientPassword: c.password,
      clientSignature: c.signature,
    });
  }

  openConf(invokeId: number, servicesGranted: number | readonly string[] = this.client.services): Uint8Array {
    return openConf(
      {
        invokeId,
        servicesGranted,
        monitorId: 0,
        pgStatus: 0,
        icmCentralControllerTime: CENTRAL_CONTROLLER_TIME,
        peripheralOnline: true,
        peripheralType: ENTERPRISE_AGENT,
        // A bridge (ALL_EVENTS) session has no agent of its own: AGENT_STATE_UNKNOWN.
        agentState: 9,
        ...this.dept(),
        peripherals: [{ peripheralId: UCCE_PERIPHERAL_ID, multilineAgentControl: 0 }],
      },
      this.opts,
    );
  }

  /** SYSTEM_EVENT PERIPHERAL_ONLINE for the agents' peripheral (sent to ALL_EVENTS clients after OPEN_CONF). */
  peripheralOnline(): Uint8Array {
    return systemEvent(
      { pgStatus: 0, icmCentralControllerTime: CENTRAL_CONTROLLER_TIME, systemEventId: 3, systemEventArg1: UCCE_PERIPHERAL_ID, eventDeviceType: 0xffff },
      this.opts,
    );
  }

  private cil(cilClientId: string | undefined): Ged188FloatingInput[] {
    return cilClientId === undefined ? [] : [{ tag: TAG_CTIOS_CIL_CLIENT_ID, value: cilClientId }];
  }

  queryAgentStateReq(invokeId: number, a: UcceAgent, cilClientId?: string): Uint8Array {
    return queryAgentStateReq(
      { invokeId, peripheralId: UCCE_PERIPHERAL_ID, mrdId: 1, icmAgentId: 0, agentId: a.agentId, agentInstrument: a.instrument, floating: this.cil(cilClientId) },
      this.opts,
    );
  }

  queryAgentStateConf(invokeId: number, a: UcceAgent, state: string = 'LOGOUT'): Uint8Array {
    return queryAgentStateConf(
      {
        invokeId,
        agentState: state,
        numSkillGroups: 0,
        mrdId: 1,
        icmAgentId: a.icmAgentId,
        agentAvailabilityStatus: 0,
        ...this.dept(),
        agentId: a.agentId,
        agentExtension: a.extension,
        agentInstrument: a.instrument,
      },
      this.opts,
    );
  }

  setAgentStateReq(invokeId: number, a: UcceAgent, state: 'LOGIN' | 'LOGOUT', cilClientId?: string): Uint8Array {
    const extra: Ged188FloatingInput[] = [...this.cil(cilClientId)];
    // From v20 the request can name the agent's active terminal (a tag above 255: 2-byte tags only).
    if (this.v20 && state === 'LOGIN') extra.push({ tag: TAG_ACTIVE_TERMINAL, value: `SEP${a.instrument.padStart(12, '0')}` });
    return setAgentStateReq(
      {
        invokeId,
        peripheralId: UCCE_PERIPHERAL_ID,
        agentState: state,
        agentWorkMode: 0,
        numSkillGroups: 0,
        eventReasonCode: 0,
        forcedFlag: 0,
        agentServiceReq: 0,
        agentInstrument: a.instrument,
        agentId: a.agentId,
        agentPassword: state === 'LOGIN' ? a.password : undefined,
        floating: extra,
      },
      this.opts,
    );
  }

  setAgentStateConf(invokeId: number): Uint8Array {
    return setAgentStateConf({ invokeId }, this.opts);
  }

  controlFailureConf(invokeId: number, r: LoginRefusal): Uint8Array {
    return controlFailureConf({ invokeId, failureCode: r.failureCode, peripheralErrorCode: r.peripheralErrorCode }, this.opts);
  }

  /** AGENT_STATE_EVENT; `signature` is the ClientSignature of the client whose request caused it. */
  agentStateEvent(a: UcceAgent, state: string, sessionId: number, signature?: string): Uint8Array {
    return agentStateEvent(
      {
        monitorId: 0,
        peripheralId: UCCE_PERIPHERAL_ID,
        sessionId,
        peripheralType: ENTERPRISE_AGENT,
        skillGroupState: state,
        skillGroupId: 0xffffffff,
        agentState: state,
        mrdId: 1,
        icmAgentId: a.icmAgentId,
        agentAvailabilityStatus: state === 'LOGOUT' ? 0 : 1,
        ...this.dept(),
        clientSignature: signature,
        agentId: a.agentId,
        agentExtension: a.extension,
        agentInstrument: a.instrument,
      },
      this.opts,
    );
  }

  heartbeatReq(invokeId: number): Uint8Array {
    return heartbeatReq({ invokeId }, this.opts);
  }

  heartbeatConf(invokeId: number): Uint8Array {
    return heartbeatConf({ invokeId }, this.opts);
  }
}

/** Agent k of the UCCE samples and lab: agent 5000+k on extension/instrument 30000+k, ICM agent ID 100000+k. */
export function ucceAgent(k: number): UcceAgent {
  return { agentId: String(5000 + k), extension: String(30000 + k), instrument: String(30000 + k), icmAgentId: 100000 + k, password: `Ag${(k * 7919) % 10000}!` };
}
