// One line per command; each command lives in its own file and declares its flags and usage there.
import type { CliCommand } from '@vlm/core/node';

import { batchCommand } from './batch';
import { convertCommand } from './convert';
import { expandCommand } from './expand';
import { generateCommand } from './generate';
import { mixCommand } from './mix';
import { pathgenCommand } from './pathgen';
import { quiltCommand } from './quilt';
import { statsCommand } from './stats';

export const commands: Record<string, CliCommand> = {
  expand: expandCommand,
  generate: generateCommand,
  batch: batchCommand,
  stats: statsCommand,
  convert: convertCommand,
  mix: mixCommand,
  quilt: quiltCommand,
  pathgen: pathgenCommand,
};
