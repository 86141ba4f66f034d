/** Types shared by the desktop scripts and the GED-188 message set. */

/** One agent PC and the agent who logs in on it. */
export interface AgentSpec {
  host: string;
  /** PC name (as the desktop reports it to the licensing service). */
  pcName: string;
  agentId: string;
  extension: string;
  instrument: string;
  password: string;
  teamId: number;
}
