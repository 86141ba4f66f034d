/** `ctiscope wireshark-dissector`: prints (or writes) the GED-188 Lua dissector generated from the decoder's tables. */

import { writeFileSync } from 'node:fs';
import { generateLuaDissector } from '../decoders/ged188/lua-dissector.js';
import { CliError } from './common.js';
import { ExitCode } from './exit-codes.js';

export interface WiresharkDissectorArgs {
  output?: string;
}

export async function runWiresharkDissector(args: WiresharkDissectorArgs): Promise<void> {
  const lua = generateLuaDissector();
  if (!args.output) {
    process.stdout.write(lua);
    return;
  }
  try {
    writeFileSync(args.output, lua);
  } catch (e) {
    throw new CliError(`${args.output}: cannot write the dissector: ${(e as Error).message}`, ExitCode.USAGE);
  }
  process.stderr.write(`wrote ${args.output} (${lua.length} bytes); load it with: tshark -X lua_script:${args.output}\n`);
}
