// The shapes demo's world, questions and presets: browser-safe. Running the whole demo on disk (world
// files, training, report) is `@vlm/shapes-demo/node`.

/** The demo's presets: the full run behind `npm run demo` and a seconds-long smoke run. */
export { fullDemoPreset, tinyDemoPreset, type DemoPreset } from './demo-preset';
/** The model (towers, connector, feature layer) the demo builds for a preset and its tokenizer. */
export { demoModelSpec } from './demo-model-spec';
/** Short questions with one right answer (colour, shape, count, position) and their answer spaces. */
export { questionTypes, askQuestion, normaliseAnswer, answerSpace, SHORT_ANSWER_SUFFIX, type QuestionType, type ShortQuestion } from './questions';
/** Training records: captions for stage 1, symbolic-teacher instructions for stage 2, LM pretraining text. */
export { captionRecords, instructionRecords, pretrainingLines, pretrainingText, TEXT_ONLY_RECORDS, type InstructionMix } from './records';
/** Contrastive pretraining of the tiny vision tower on scene captions and patch labels. */
export { createContrastiveTrainer, pretrainVisionContrastive, type ContrastiveOptions, type ContrastiveTrainer, type ImageTextPair } from './contrastive-pretrain';
export { patchLabelsOf, patchPrompts } from './patch-labels';
/** The demo LM's own BPE vocabulary, learned from the text it is trained on. */
export { tokenizerCorpus, demoTokenizerJson, type TokenizerCorpusPart } from './demo-tokenizer';
/** Thrown by the demo when its `signal` is aborted (Ctrl-C): where it stopped and what was saved. */
export { DemoInterruptedError, type DemoStop } from './demo-interrupted';
/** Held-out evaluation with the image and text-only, next to chance. */
export { evaluateHeldOut, type TypeAccuracy, type EvaluatedQuestion } from './evaluate';
/** The connector shoot-out's presets, model specs and recipes (linear, mlp2x_gelu, Q-Former, Perceiver, Flamingo). */
export { shootoutConnectors, connectorLabels, recipeOf, fullShootoutPreset, tinyShootoutPreset, shootoutModelSpec, shootoutStages, type ShootoutConnector, type ShootoutPreset } from './connector-shootout';
