// One line per command; each command lives in its own file.
import { chatCommand } from './chat';
import { demoCommand } from './demo';
import { exportCommand } from './export';
import type { Command } from './io';
import { masksCommand } from './masks';
import { trainCommand } from './train';
import { trainDemoCommand } from './train-demo';
import { validateCommand } from './validate';

export const commands: Record<string, Command> = {
  demo: demoCommand,
  validate: validateCommand,
  masks: masksCommand,
  train: trainCommand,
  chat: chatCommand,
  export: exportCommand,
  'train-demo': trainDemoCommand,
};
