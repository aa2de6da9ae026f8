// Public API of @vlm/prompts. Everything else is internal.

/** The eleven brief-description instructions, exactly as the seed lists them. */
export { briefDescriptionQuestions } from './questions/brief-description';
/** The sixteen detailed-description instructions, exactly as the seed lists them. */
export { detailedDescriptionQuestions } from './questions/detailed-description';
/** LLaVA-Med concept-alignment instructions. */
export { conceptAlignmentQuestions } from './questions/concept-alignment';
/** Seeded question sampling. */
export { sampleQuestion, createQuestionSampler, type QuestionSampler, type QuestionSamplerOptions } from './questions/question-sampler';

/** LLaVA's number format for box coordinates (`0.63`, `1.0`). */
export { formatCoordinate, formatRounded } from './symbolic/format-coordinate';
/** Box formats and normalisation (errors, never clipping). */
export { normaliseBox, boxFormatSchema, imageSizeSchema, type BoxFormat, type ImageSize, type NormalisedBox, type BoxContext } from './symbolic/normalise-box';
/** The symbolic image: captions plus normalised boxes, rendered for a text-only teacher. */
export {
  renderSymbolicImage,
  renderCaptionLines,
  renderBoxLines,
  formatBoxLine,
  normaliseObjects,
  symbolicImageSchema,
  symbolicObjectSchema,
  type SymbolicImage,
  type SymbolicImageInput,
  type SymbolicObject,
  type RenderSymbolicImageOptions,
} from './symbolic/symbolic-image';

/** OpenAI chat message types and few-shot examples. */
export { messageText, type ChatMessage, type ChatContentPart, type FewShotExample } from './chat/chat-message';
/** LLaVA's message layout: system, few-shot user/assistant pairs, query. */
export { assembleMessages } from './chat/assemble-messages';
/** The shared definition of a teacher prompt kind (id, version, schema, builder). */
export {
  defineTeacherPrompt,
  parsePromptInput,
  type TeacherPrompt,
  type TeacherPromptSpec,
  type TeacherRequest,
  type BuildPromptOptions,
  type GenerationDefaults,
  type ShippedExample,
} from './chat/define-teacher-prompt';

/** LLaVA conversation prompt (the seed's system message). */
export { llavaConversationPrompt } from './teachers/llava-conversation';
/** The seed's LLaVA conversation system message, verbatim. */
export { llavaConversationSystemMessage } from './teachers/llava-conversation-system';
/** LLaVA detailed-description prompt (our wording). */
export { llavaDetailedDescriptionPrompt, llavaDetailedDescriptionSystemMessage } from './teachers/llava-detailed-description';
/** LLaVA complex-reasoning prompt (our wording). */
export { llavaComplexReasoningPrompt, llavaComplexReasoningSystemMessage } from './teachers/llava-complex-reasoning';

/** LLaVA-Med instruction generation (the seed's system message, `Figure Caption:` / `Figure Context:`). */
export { llavaMedPrompt, llavaMedInputSchema, llavaMedDomainSchema, renderLlavaMedQuery, type LlavaMedInput, type LlavaMedDomain } from './teachers/llava-med';
/** The seed's LLaVA-Med system message, verbatim. */
export { llavaMedSystemMessage } from './teachers/llava-med-system';
/** Quilt-LLaVA conversation from a cursor-grounded caption. */
export { quiltConversationPrompt, quiltConversationSystemMessage } from './teachers/quilt-conversation';
/** Quilt-LLaVA detailed description. */
export { quiltDetailedDescriptionPrompt, quiltDetailedDescriptionSystemMessage } from './teachers/quilt-detailed-description';
/** Quilt input schemas shared by its prompts. */
export { quiltCaptionInputSchema } from './teachers/quilt-shared';
/** Quilt-LLaVA complex reasoning from whole-slide clues and a single patch. */
export { quiltComplexReasoningPrompt, quiltComplexReasoningSystemMessage, quiltSlideInputSchema, renderQuiltSlide, type QuiltSlideInput } from './teachers/quilt-complex-reasoning';
/** Quilt-LLaVA iterative abduction: student and assistant agent prompts. */
export {
  quiltAbductionStudentPrompt,
  quiltAbductionAssistantPrompt,
  quiltAbductionStudentInputSchema,
  quiltAbductionAssistantInputSchema,
  quiltAbductionStudentSystemMessage,
  quiltAbductionAssistantSystemMessage,
} from './teachers/quilt-abduction';
/** Turn control of the abduction dialogue (4 or 6 turns, 0.85/0.15; stops on CORRECT!!! / End of Guidance). */
export {
  createAbductionDialogue,
  sampleAbductionTurnCount,
  abductionToPairs,
  abductionTurnWeights,
  abductionAgentSchema,
  abductionMessageSchema,
  ABDUCTION_CORRECT,
  ABDUCTION_END,
  type AbductionDialogue,
  type AbductionAgent,
  type AbductionMessage,
  type AbductionStopReason,
} from './quilt/abduction-dialogue';
/** PathGen patch description. */
export { pathgenDescriptionPrompt, pathgenDescriptionInputSchema, pathgenDescriptionSystemMessage, type PathgenDescriptionInput } from './teachers/pathgen-description';
/** PathGen revision: error injection (addition/deletion/modification) and correction. */
export {
  pathgenRevisionInjectPrompt,
  pathgenRevisionCorrectPrompt,
  revisionOperationSchema,
  revisionInjectInputSchema,
  revisionCorrectInputSchema,
  sampleRevisionOperation,
  type RevisionOperation,
} from './teachers/pathgen-revision';
/** PathGen summarisation under a (CLIP) token budget. */
export { pathgenSummaryPrompt, summaryInputSchema, summaryWordBudget, CLIP_CONTEXT_TOKENS } from './teachers/pathgen-summary';
/** LLaVA-Bench judge (exact user content layout) and its default rubric. */
export { llavaBenchJudgePrompt, llavaBenchJudgeInputSchema, llavaBenchJudgeSystemMessage, llavaBenchRubric, renderJudgeContent, type LlavaBenchJudgeInput } from './teachers/llava-bench-judge';
/** LLaVA-Bench text-only reference answer. */
export { llavaBenchReferenceAnswerPrompt, referenceAnswerInputSchema, referenceAnswerSystemMessage } from './teachers/llava-bench-reference-answer';
/** The context of a LLaVA-Bench item: a symbolic image or verbatim text. */
export { benchContextSchema, renderBenchContext, type BenchContextInput } from './teachers/llava-bench-context';
/** All shipped teacher prompts, and lookup by the id recorded in generated data. */
export { teacherPrompts, getTeacherPrompt } from './teachers/registry';

/** Loaders of user few-shot examples (LLaVA's NNN_caps.txt / NNN_conv.txt, JSON / JSONL). */
export { loadLlavaPromptFiles, type PromptFile, type LlavaPromptFolder } from './few-shot/load-llava-prompt-files';
export { parseFewShotExamples, fewShotExampleSchema } from './few-shot/parse-few-shot-examples';

/** Conversation pairs and response formats. */
export { conversationFormats, type QaPair, type ConversationFormat, type ResponseFormat } from './parse/qa-pair';
/** Writes pairs in a teacher's conversation format (the inverse of the parsers). */
export { formatConversationText } from './parse/format-conversation-text';
/** Parse outcomes: the value or a typed rejection. */
export { type ParseOutcome, type ParseSuccess, type ParseRejection, type RejectionReason, type DroppedTurn, type StrippedText } from './parse/parse-outcome';
/** Parsers of multi-turn teacher output. */
export {
  parseConversation,
  parseQuestionAnswerBlocks,
  parseUserAssistantDialogue,
  parseQuiltDialogue,
  type ParseConversationOptions,
} from './parse/parse-conversation';
/** Parser of description outputs. */
export { parseDescription, type ParseDescriptionOptions } from './parse/parse-description';
/** Leakage filters (caption/context/description/coordinates mentions, refusals, apologies). */
export { filterLeakage, stripLeakyText, findLeak, splitSentences, type LeakageOptions, type LeakageFilterResult, type StripResult } from './parse/leakage-filter';
export { defaultLeakRules, type LeakRule, type LeakReason } from './parse/leakage-rules';
/** Pairs to LLaVA human/gpt conversations with seeded image placement. */
export { toLlavaConversation, descriptionToLlavaConversation, type ImagePlacement, type ToLlavaConversationOptions } from './parse/to-llava-conversation';
