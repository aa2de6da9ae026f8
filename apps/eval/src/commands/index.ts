import type { CliCommand } from '@vlm/core/node';
import { answerCommand } from './answer';
import { judgeCommand } from './judge';
import { reportCommand } from './report';
import { scienceqaCommand } from './scienceqa';
import { vqaCommand } from './vqa';

/** The commands of vlm-eval, by name. */
export const commands: Record<string, CliCommand> = {
  answer: answerCommand,
  judge: judgeCommand,
  vqa: vqaCommand,
  scienceqa: scienceqaCommand,
  report: reportCommand,
};
