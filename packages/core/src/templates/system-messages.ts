/** Upstream LLaVA's system message with "human" roles (llava_v0, llava_v1). */
export const SYSTEM_HUMAN =
  "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";
/** Upstream LLaVA's system message with "user" roles (vicuna_v1). */
export const SYSTEM_USER =
  "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions.";
/** The llava_llama_2 system message. */
export const SYSTEM_LLAVA_LLAMA_2 =
  'You are a helpful language and vision assistant. You are able to understand the visual content that the user provides, and assist the user with a variety of tasks using natural language.';
