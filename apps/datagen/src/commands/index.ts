// One line per command; each command lives in its own file.
import { batchCommand } from './batch';
import { convertCommand } from './convert';
import { expandCommand } from './expand';
import { generateCommand } from './generate';
import { mixCommand } from './mix';
import { pathgenCommand } from './pathgen';
import { quiltCommand } from './quilt';
import { statsCommand } from './stats';

export const commands: Record<string, (args: string[]) => Promise<number>> = {
  expand: expandCommand,
  generate: generateCommand,
  batch: batchCommand,
  stats: statsCommand,
  convert: convertCommand,
  mix: mixCommand,
  quilt: quiltCommand,
  pathgen: pathgenCommand,
};
