import { cliUsageError, defineCommand } from '@vlm/core/node';
import { selectBackend } from '@vlm/connectors';
import { mergeAdapter } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = `usage: vlm-train merge --adapter dir --out dir [--base dir] [--force]

Folds LoRA adapters into their base weights and writes the merged model.
  --adapter dir  a LoRA stage checkpoint of vlm-train, or a PEFT adapter folder
                 (adapter_config.json + adapter_model.safetensors)
  --base dir     the base: a vlm-train checkpoint, or a Hugging Face LLaMA folder
                 (required for a plain PEFT adapter; a vlm-train LoRA checkpoint names its own)
  --out dir      where the merged checkpoint (or Hugging Face folder) goes
  --force        replace --out when it exists`;

/** `vlm-train merge --adapter dir --out dir`: PEFT's merge_and_unload, written as a checkpoint or HF folder. */
export const mergeCommand: Command = defineCommand(
  {
    summary: "fold LoRA adapters into the base weights (PEFT's merge_and_unload)",
    usage: USAGE,
    options: { adapter: { type: 'string' }, base: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
    io: processIo,
  },
  async ({ values }, io) => {
    if (!values.adapter || !values.out) throw cliUsageError(`merge needs ${values.adapter ? '--out' : '--adapter'} <dir>.`, { field: values.adapter ? '--out' : '--adapter' });
    await selectBackend({ log: () => {} });
    const r = await mergeAdapter({ adapter: values.adapter, base: values.base, out: values.out, force: values.force });
    io.out(`merged ${r.layers} LoRA layers into ${r.base}`);
    io.out(`${r.kind === 'checkpoint' ? 'checkpoint' : 'Hugging Face LLaMA folder'}: ${r.out}`);
    return 0;
  },
);
