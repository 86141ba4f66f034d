/**
 * The lab: a simulated contact center on loopback (directory, licensing, CTI server, desktop services, and CAD
 * desktops), for training and for reproducing failures on demand. Each piece runs on its own too, e.g. the CTI
 * server against a real CTI client: `ctiscope lab --only cti-server --listen 127.0.1.1:12028`.
 */

export { startLab, LAB_PORTS, type Lab, type LabOptions } from './lab.js';
export {
  LAB_SCENARIOS,
  isLabScenario,
  labAddresses,
  labAgent,
  labCaptureFilter,
  planScenario,
  type LabAddresses,
  type LabDesktopPlan,
  type LabExpectation,
  type LabPlan,
  type LabScenarioName,
} from './scenarios.js';
export { startCtiServer, type CtiServerOptions } from './cti-server.js';
export {
  startGiopServer,
  startLicensingServer,
  startDesktopServiceServer,
  DESKTOP_SERVICE_PORTS,
  type GiopAnswer,
  type GiopRequestSeen,
  type GiopServerOptions,
  type LicensingServerOptions,
} from './giop-servers.js';
export {
  startLdapServer,
  findSlapd,
  cadSchema,
  directoryEntries,
  toLdif,
  LDAP_SUFFIX,
  LDAP_PASSWORD,
  SLAPD_INSTALL_HINT,
  type DirectoryContent,
  type DirectoryEntry,
  type LdapServer,
  type LdapServerOptions,
} from './ldap-server.js';
export { startUnansweredHost, type UnansweredHostOptions } from './unanswered-host.js';
export { startCadDesktop, type DesktopOptions, type DesktopResult, type DesktopRun, type DesktopPhase } from './desktop.js';
export { LabError, assertLoopback, isLoopbackIPv4, parseEndpoint, endpointText, type Endpoint, type LabServer } from './loopback.js';
export { startPgCtiServer, type PgCtiServer, type PgCtiServerOptions } from './pg-cti-server.js';
export { startCtiosServer, type CtiosServer, type CtiosServerOptions } from './ctios-server.js';
export { startCtiosDesktop, type CtiosDesktopOptions, type CtiosDesktopRun } from './ctios-desktop.js';
export { startCtiClient, type CtiClientOptions, type CtiClientRun, type AgentLoginResult } from './cti-client.js';
export { GedClientSession, type GedClientOptions } from './ged-client.js';
export { SERVER_SIDE_LAB_SCENARIOS, isServerSideLabScenario, planServerSide, startServerSideLab, type ServerSidePlan, type ServerSideLabScenario } from './server-side-lab.js';
