/**
 * The step builders by protocol. Adding a protocol's steps is adding a file in this folder and a line here;
 * protocols with no line get the generic builder (one step counting message types).
 */

import type { ProtocolName } from '../../decoders/types.js';
import type { StepBuilder } from './context.js';
import { ldapSteps } from './ldap.js';
import { giopSteps } from './giop.js';
import { ged188Steps } from './ged188.js';
import { ctiosSteps } from './ctios.js';
import { dnsSteps } from './dns.js';
import { tlsSteps } from './tls.js';
import { genericSteps } from './generic.js';

export const STEP_BUILDERS: Partial<Record<ProtocolName, StepBuilder>> = {
  ldap: ldapSteps,
  giop: giopSteps,
  ged188: ged188Steps,
  ctios: ctiosSteps,
  dns: dnsSteps,
  tls: tlsSteps,
};

export function stepBuilderFor(protocol: ProtocolName): StepBuilder {
  return STEP_BUILDERS[protocol] ?? genericSteps;
}
