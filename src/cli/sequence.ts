/** `ctiscope sequence`: one subject's login as a sequence diagram (SVG, PNG, Mermaid, PlantUML or text). */

import { writeFileSync } from 'node:fs';
import { analyzeFiles } from '../pipeline-node.js';
import { buildSequence } from '../timeline/sequence/model.js';
import { renderSequenceSvg } from '../timeline/sequence/render-svg.js';
import { renderSequenceMermaid, renderSequencePlantUml, renderSequenceTextListing } from '../timeline/sequence/render-text.js';
import { findSubject } from '../timeline/sequence/subject.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { keepTraffic } from './subject-capture.js';

export const SEQUENCE_FORMATS = ['svg', 'png', 'mermaid', 'plantuml', 'text'] as const;
export type SequenceFormat = (typeof SEQUENCE_FORMATS)[number];

export interface SequenceArgs extends CommonArgs {
  workstation?: string;
  agent?: string;
  ctiClient?: string;
  format: SequenceFormat;
  output?: string;
}

export async function runSequence(args: SequenceArgs): Promise<void> {
  const files = checkFiles(args.files);
  if (args.format === 'png' && !args.output) throw new CliError('--format png writes a file: name it with --output FILE.png', ExitCode.USAGE);
  const progress = progressOptions();
  const traffic = keepTraffic(args.workstation ?? args.ctiClient);
  const result = await analyzeFiles(files, {
    ...profileOptions(args),
    ...progress,
    ...traffic.options,
    analyze: true,
    workstation: args.workstation,
    agent: args.agent,
    decode: { showSecrets: args.showSecrets },
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  if (!result.doc) throw new CliError('internal error: no analysis document');
  const subject = findSubject(result.doc, { workstation: args.workstation, agent: args.agent, ctiClient: args.ctiClient });
  if (typeof subject === 'string') throw new CliError(`${files.join(', ')}: ${subject}`, ExitCode.USAGE);
  const diagram = buildSequence(subject, traffic.kept.messages, traffic.kept.flows);
  let text: string;
  switch (args.format) {
    case 'mermaid':
      text = renderSequenceMermaid(diagram);
      break;
    case 'plantuml':
      text = renderSequencePlantUml(diagram);
      break;
    case 'text':
      text = renderSequenceTextListing(diagram, process.stdout.isTTY ? process.stdout.columns : 160);
      break;
    case 'png': {
      const { svgToPng } = await import('./svg-png.js');
      const svg = renderSequenceSvg(diagram);
      writeOut(args.output!, await svgToPng(svg));
      process.stderr.write(`sequence diagram written to ${args.output}\n`);
      return;
    }
    default:
      text = renderSequenceSvg(diagram);
  }
  if (args.output) {
    writeOut(args.output, text);
    process.stderr.write(`sequence diagram written to ${args.output}\n`);
  } else process.stdout.write(text);
}

function writeOut(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw new CliError(`--output ${path}: ${(e as Error).message}`, ExitCode.USAGE);
  }
}
