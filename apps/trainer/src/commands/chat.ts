import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createRng, type LlavaTurn, VlmError } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { answer } from '@vlm/train';
import { loadCheckpoint, preprocessImages } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = 'usage: vlm-train chat --checkpoint dir [--image file] [--prompt text] [--max-tokens n] [--temperature t] [--seed n]';

/** A flag's value as a number, or a usage error (exit 2) naming the flag. */
function numberFlag(flag: string, value: string | undefined, fallback: number, kind: 'positive integer' | 'non-negative integer' | 'non-negative number'): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (kind === 'non-negative number' ? n >= 0 : Number.isSafeInteger(n) && (kind === 'positive integer' ? n >= 1 : n >= 0));
  if (!ok) {
    throw new VlmError('cli_usage', `${flag} ${JSON.stringify(value)} is not a ${kind}`, { location: { field: flag }, hint: USAGE });
  }
  return n;
}

/**
 * `vlm-train chat --checkpoint dir [--image file]`: answers with the checkpoint's own template and
 * tokenizer; one answer with `--prompt`, otherwise an interactive conversation (empty line ends it).
 * `--temperature t` samples with a seeded generator: `--seed n`, or a seed it picks and prints.
 */
export const chatCommand: Command = async (args, io = processIo) => {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      image: { type: 'string' },
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (!values.checkpoint) {
    io.err(USAGE);
    return 2;
  }
  const maxNewTokens = numberFlag('--max-tokens', values['max-tokens'], 128, 'positive integer');
  const temperature = numberFlag('--temperature', values.temperature, 0, 'non-negative number');
  const seed = numberFlag('--seed', values.seed, randomInt(2 ** 31), 'non-negative integer');
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
    // The line iterator queues lines as they arrive, so piped input that comes faster than the answers
    // is read line by line, none dropped (readline's question() loses lines typed while it waits).
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
};
