// The benches' command lines: `--name value` options and `--flag` switches, from process.argv.
const args = process.argv.slice(2);

/** The value after `--name`, or `dflt` when the option is not given. */
export const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

/** Whether the switch `--name` is given. */
export const flag = (name) => args.includes(`--${name}`);
