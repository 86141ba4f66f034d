/**
 * NetBIOS over TCP/IP codes (RFC 1002): the name service's opcodes, result codes, record types and NB
 * flags, the datagram service's message types and the browser protocol's commands ([MS-BRWS] §2.2),
 * named as Wireshark names them. Read by the decoders and by the samples generator.
 */

export const NBNS_PORT = 137;
export const NBDGM_PORT = 138;

export const NBNS_OPCODE_NAMES: Record<number, string> = {
  0: 'Name query',
  5: 'Registration',
  6: 'Release',
  7: 'Wait for acknowledgment',
  8: 'Refresh',
  9: 'Refresh (alternate opcode)',
  15: 'Multi-homed registration',
};
export const NBNS_OPCODE = { query: 0, registration: 5, release: 6, wack: 7, refresh: 8 } as const;

export const NBNS_RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FMT_ERR',
  2: 'SRV_ERR',
  3: 'NAM_ERR',
  4: 'IMP_ERR',
  5: 'RFS_ERR',
  6: 'ACT_ERR',
  7: 'CFT_ERR',
};

export const NBNS_TYPE_NAMES: Record<number, string> = {
  0x01: 'A',
  0x02: 'NS',
  0x0a: 'NULL',
  0x20: 'NB',
  0x21: 'NBSTAT',
};
export const NBNS_TYPE = { nb: 0x20, nbstat: 0x21 } as const;

/** Header flag bit B: the packet was broadcast (RFC 1002 §4.2.1.1; DNS's CD bit position). */
export const NBNS_FLAG_BROADCAST = 0x0010;

/** NB_FLAGS of an NB record entry: G (group name) and ONT (owner node type). */
export const NB_FLAG_GROUP = 0x8000;
export const NB_NODE_TYPES = ['B-node', 'P-node', 'M-node', 'H-node'] as const;

export const NBDGM_TYPE_NAMES: Record<number, string> = {
  0x10: 'Direct_unique datagram',
  0x11: 'Direct_group datagram',
  0x12: 'Broadcast datagram',
  0x13: 'Datagram error',
  0x14: 'Datagram query request',
  0x15: 'Datagram positive query response',
  0x16: 'Datagram negative query response',
};
export const NBDGM_TYPE = { directUnique: 0x10, directGroup: 0x11, broadcast: 0x12, error: 0x13 } as const;

export const NBDGM_ERROR_NAMES: Record<number, string> = {
  0x82: 'Destination name not present',
  0x83: 'Invalid source name format',
  0x84: 'Invalid destination name format',
};

/** Flags byte: M (more fragments), F (first fragment), SNT (source node type). */
export const NBDGM_FLAG_MORE = 0x01;
export const NBDGM_FLAG_FIRST = 0x02;

/** The browser protocol's opcodes ([MS-BRWS] §2.2), carried in a mailslot write to \MAILSLOT\BROWSE. */
export const BROWSER_COMMAND_NAMES: Record<number, string> = {
  0x01: 'Host Announcement',
  0x02: 'Request Announcement',
  0x08: 'Browser Election Request',
  0x09: 'Get Backup List Request',
  0x0a: 'Get Backup List Response',
  0x0b: 'Become Backup Browser',
  0x0c: 'Domain/Workgroup Announcement',
  0x0d: 'Master Announcement',
  0x0e: 'Reset Browser State Announcement',
  0x0f: 'Local Master Announcement',
};
export const BROWSER_COMMAND = { hostAnnouncement: 0x01, requestAnnouncement: 0x02, election: 0x08, domainAnnouncement: 0x0c, localMasterAnnouncement: 0x0f } as const;
/** Commands whose body starts with an announcement (update count, periodicity, a 16-byte name …). */
export const BROWSER_ANNOUNCEMENTS: ReadonlySet<number> = new Set([0x01, 0x0c, 0x0f]);

export const MAILSLOT_BROWSE = '\\MAILSLOT\\BROWSE';

/** SMB_COM_TRANSACTION, the SMB command a mailslot write is. */
export const SMB_COM_TRANSACTION = 0x25;
