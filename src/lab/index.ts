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
