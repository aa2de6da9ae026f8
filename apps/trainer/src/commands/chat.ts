import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createRng, type LlavaTurn } from '@vlm/core';
import { cliUsageError, defineCommand, intOption, numberOption } from '@vlm/core/node';
import { selectBackend } from '@vlm/connectors';
import { answer } from '@vlm/train';
import { loadCheckpoint, preprocessImages } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = `usage: vlm-train chat --checkpoint <dir> [--image file] [--prompt text] [--max-tokens n] [--temperature t] [--seed n]
  Answers with the checkpoint's own template and tokenizer: one answer with --prompt, otherwise an
  interactive conversation (an empty line ends it).
  --checkpoint <dir>    a checkpoint folder written by vlm-train (e.g. vlm-demo/checkpoints/2-instruct)
  --image <file>        an image the first question is about
  --prompt <text>       answer this one question and exit
  --max-tokens <n>      longest answer in tokens (default 128)
  --temperature <t>     sampling temperature (default 0: greedy)
  --seed <n>            seed of the sampling (default: one it picks and prints)`;

/**
 * `vlm-train chat --checkpoint dir [--image file]`: answers with the checkpoint's own template and
 * tokenizer; one answer with `--prompt`, otherwise an interactive conversation (empty line ends it).
 */
export const chatCommand: Command = defineCommand(
  {
    summary: 'chat with a checkpoint (one-shot with --prompt)',
    usage: USAGE,
    options: { checkpoint: { type: 'string' }, image: { type: 'string' }, prompt: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' } },
    io: processIo,
  },
  async ({ values }, io) => {
    if (!values.checkpoint) throw cliUsageError('chat needs --checkpoint <dir>.', { field: '--checkpoint', hint: 'For example --checkpoint vlm-demo/checkpoints/2-instruct.' });
    const maxNewTokens = intOption(values['max-tokens'], 'max-tokens', { min: 1 }) ?? 128;
    const temperature = numberOption(values.temperature, 'temperature', { min: 0 }) ?? 0;
    const seed = intOption(values.seed, 'seed', { min: 0 }) ?? randomInt(2 ** 31);
    await selectBackend({ log: () => {} });
    const loaded = await loadCheckpoint(values.checkpoint);
    const chat = { model: loaded.model, tokenizer: loaded.tokenizer, template: loaded.meta.template, systemMessage: loaded.meta.systemMessage };
    const v = loaded.spec.vision;
    const pixelValues = values.image
      ? await preprocessImages([values.image], { size: v.imageSize, mode: loaded.spec.image?.mode ?? 'pad', mean: loaded.spec.image?.mean ?? v.imageMean, std: loaded.spec.image?.std ?? v.imageStd })
      : undefined;
    if (temperature > 0) io.err(`sampling at temperature ${temperature} with seed ${seed}${values.seed === undefined ? ` (pass --seed ${seed} to repeat)` : ''}`);
    const opts = { pixelValues, maxNewTokens, temperature, rng: createRng(seed) };
    const turns: LlavaTurn[] = [];
    const ask = async (text: string) => {
      turns.push({ from: 'human', value: turns.length === 0 && pixelValues ? `<image>\n${text}` : text });
      const reply = await answer(chat, turns, opts);
      turns.push({ from: 'gpt', value: reply });
      return reply;
    };
    try {
      if (values.prompt !== undefined) {
        io.out(await ask(values.prompt));
        return 0;
      }
      io.err(`chatting with ${values.checkpoint} (template ${chat.template}, tokenizer ${loaded.tokenizer.name}); empty line to quit`);
      // The line iterator queues lines as they arrive, so piped input that comes faster than the
      // answers is read line by line, none dropped (question() loses lines that arrive while it waits).
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
      rl.setPrompt('you> ');
      rl.prompt();
      for await (const raw of rl) {
        const line = raw.trim();
        if (!line) break;
        io.out(`assistant> ${await ask(line)}`);
        rl.prompt();
      }
      rl.close();
      return 0;
    } finally {
      pixelValues?.dispose();
    }
  },
);
