// One line per command; each command lives in its own file and declares its flags and usage there.
import { chatCommand } from './chat';
import { demoCommand as formatDemoCommand } from './demo';
import { exportCommand } from './export';
import type { Command } from './io';
import { masksCommand } from './masks';
import { mergeCommand } from './merge';
import { trainCommand } from './train';
import { trainDemoCommand } from './train-demo';
import { validateCommand } from './validate';

export const commands: Record<string, Command> = {
  // the main job: two-stage training on synthetic shapes, with a report (what `npm run demo` runs)
  demo: trainDemoCommand,
  // formats a built-in sample dataset with every template and shows the masks and statistics
  'format-demo': formatDemoCommand,
  validate: validateCommand,
  masks: masksCommand,
  train: trainCommand,
  chat: chatCommand,
  export: exportCommand,
  // folds LoRA adapters into the base weights (PEFT's merge_and_unload)
  merge: mergeCommand,
};
