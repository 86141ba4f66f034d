/** The web UI's usual port (`ctiscope ui`, `npm start`). */
export const DEFAULT_UI_PORT = 7357;

/** Process exit codes, documented in `ctiscope --help` and the README. */
export const ExitCode = {
  /** Everything read; for `analyze`: every workstation logged in. */
  OK: 0,
  /** `analyze`: at least one workstation's start-up failed; `compare`: the two logins differ. */
  LOGIN_FAILED: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Unusable input: not a capture, unreadable file, corrupt before any packet, no capture permission. */
  BAD_INPUT: 3,
  /** `analyze`: no failure found, but no complete login either (incomplete, or no agent desktop traffic). */
  INCONCLUSIVE: 4,
  /** ctiscope's own failure after the input was read (a bug, an exhausted limit): not the input's fault. */
  INTERNAL: 5,
} as const;

export const EXIT_CODES_HELP = `Exit status:
  0  success; for analyze: every workstation and agent logged in
  1  analyze, live: a workstation's start-up or an agent's login failed (login, licensing, config, CTI …);
     compare: the two logins differ
  2  bad command line
  3  unusable input (not a capture, unreadable, corrupt before the first packet, no capture permission)
  4  analyze, live: nothing failed, but no complete login was seen (incomplete or no agent desktop traffic)
sequence, flows and decode exit 0 once the input was read, whatever it shows.
  5  internal error: ctiscope itself failed (a bug or an exhausted limit), not the input; --debug shows why
A capture cut short is still analysed up to the cut, with a warning.`;
