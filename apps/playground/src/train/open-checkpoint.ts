import { checkpointFromFiles, type ChatModel } from '@vlm/train';

/** A checkpoint folder's files, rebuilt into a model to chat with. */
export async function openCheckpoint(files: Record<string, ArrayBuffer>): Promise<{ chat: ChatModel; imageSize: number; info: string }> {
  const bytes = Object.fromEntries(Object.entries(files).map(([name, b]) => [name, new Uint8Array(b)]));
  const loaded = await checkpointFromFiles(bytes);
  const { meta, model, tokenizer } = loaded;
  const chat: ChatModel = { model, tokenizer, template: meta.template, systemMessage: meta.systemMessage };
  const info = `stage ${meta.stage.index} ${meta.stage.name}, step ${meta.step}/${meta.totalSteps}, template ${meta.template}, tokenizer ${tokenizer.name} (${tokenizer.vocabSize}), image ${model.vision.config.imageSize} px`;
  return { chat, imageSize: model.vision.config.imageSize, info };
}
