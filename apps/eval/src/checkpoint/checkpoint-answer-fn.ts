import { selectBackend } from '@vlm/connectors';
import { answer, type ChatModel } from '@vlm/train';
import { ImageStore, loadCheckpoint } from '@vlm/train/node';
import type { AnswerFn } from '@vlm/eval';

/** Options of {@link checkpointAnswerFn}. */
export interface CheckpointAnswerOptions {
  /** Tokens to generate at most per answer (default 128). */
  maxNewTokens?: number;
  /** 0 (default): greedy, as LLaVA's eval scripts. */
  temperature?: number;
  /** Where the one backend line goes (default stderr). */
  log?: (line: string) => void;
}

/** A loaded checkpoint as an answer function, with what to record about it. */
export interface CheckpointAnswerer {
  answerFn: AnswerFn;
  /** The template the checkpoint was trained with (read from checkpoint.json, never chosen by hand). */
  template: string;
  /** `<dir>@<stage>:<step>`, written into the answer records as the model name. */
  modelName: string;
}

/**
 * Loads a vlm-train checkpoint and answers with it: the question is formatted with the checkpoint's own
 * template and system message (`<image>\n` first, as LLaVA's eval does) and the image is preprocessed
 * with the checkpoint's vision settings. Calls must not overlap (one model, one session at a time).
 */
export async function checkpointAnswerFn(dir: string, options: CheckpointAnswerOptions = {}): Promise<CheckpointAnswerer> {
  // The toolkit's one backend choice (tfjs-node, else WebAssembly, else CPU; VLM_TF_BACKEND overrides).
  await selectBackend({ log: options.log ?? ((line) => process.stderr.write(`${line}\n`)) });
  const checkpoint = await loadCheckpoint(dir);
  const chat: ChatModel = {
    model: checkpoint.model,
    tokenizer: checkpoint.tokenizer,
    template: checkpoint.meta.template,
    ...(checkpoint.meta.systemMessage !== undefined ? { systemMessage: checkpoint.meta.systemMessage } : {}),
  };
  const image = checkpoint.spec.image;
  const images = new ImageStore({
    size: checkpoint.spec.vision.imageSize,
    ...(image?.mode ? { mode: image.mode } : {}),
    ...(image?.mean ? { mean: image.mean } : {}),
    ...(image?.std ? { std: image.std } : {}),
  });
  const answerFn: AnswerFn = async ({ question, imagePath }) => {
    const pixelValues = imagePath === undefined ? undefined : await images.batch([imagePath]);
    try {
      return await answer(chat, [{ from: 'human', value: imagePath === undefined ? question : `<image>\n${question}` }], {
        ...(pixelValues ? { pixelValues } : {}),
        maxNewTokens: options.maxNewTokens ?? 128,
        temperature: options.temperature ?? 0,
      });
    } finally {
      pixelValues?.dispose();
    }
  };
  return {
    answerFn,
    template: checkpoint.meta.template,
    modelName: `${dir}@${checkpoint.meta.stage.name}:${checkpoint.meta.step}`,
  };
}
