/**
 * Cisco Agent Desktop's CORBA services, known by their object keys and operations rather than by port: the
 * licence manager (LRM) answers on 3000 by default but can be moved, and the desktop services listen where
 * their installation puts them. The timeline uses this to name a GIOP exchange's phase on any port (the
 * port profile is a hint). Illustrative names: CAD's interfaces are not public, see samples/SCENARIOS.md.
 */

import type { Phase } from '../profile.js';

export interface CadObject {
  /** Matched against "objectKey operation". */
  pattern: RegExp;
  service: string;
  label: string;
  phase: Phase;
}

export const CAD_OBJECTS: readonly CadObject[] = [
  { pattern: /(^|[/ ])LRM([/ ]|$)|LicenseManager|\b(acquire|get|release|check|renew)Licen[cs]e\b/i, service: 'licensing', label: 'licensing service (LRM)', phase: 'licensing' },
  { pattern: /\b(Chat|Enterprise|RecordingStats|Recording|Sync|VoIPMonitor|Directory)Service\b/, service: 'desktop-services', label: 'Cisco Desktop services', phase: 'services' },
];

export function cadObjectOf(objectKey: string | undefined, operation: string | undefined): CadObject | undefined {
  const text = `${objectKey ?? ''} ${operation ?? ''}`;
  return CAD_OBJECTS.find((o) => o.pattern.test(text));
}
