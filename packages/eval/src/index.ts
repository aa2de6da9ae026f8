// Public API of @vlm/eval. Everything else is internal.

/** Eval set records: questions (with symbolic image and ground truth) and answers. */
export { evalQuestionSchema, evalContextSchema, answerRecordSchema, type EvalQuestion, type EvalContext, type AnswerRecord } from './data/eval-question';
/** Renders a question's captions and boxes as the text-only teacher and the judge see them. */
export { renderQuestionContext } from './data/render-context';
/** JSONL reading with per-line validation and errors that name file and row. */
export { readJsonl, readJsonlIfExists, type ReadJsonlOptions } from './io/jsonl';

/** A chat completion function (text only) and its result with the served model version. */
export type { ChatFn, ChatCallOptions, ChatCompletionResult, TextChatMessage } from './chat/chat-fn';
/** A ChatFn over any OpenAI-compatible endpoint (no cache), and the SDK client factory. */
export { openAIChat, createOpenAIClient, type OpenAIConnection } from './chat/openai-chat';
/** A ChatFn over the cached, resumable @vlm/datagen teacher engine. */
export { teacherChat } from './chat/teacher-chat';

/** The model under test: question + image path -> answer text. */
export type { AnswerFn, AnswerInput } from './answer/answer-fn';
/** AnswerFn over an OpenAI-compatible vision chat endpoint (image sent as a data URL). */
export { openAIAnswerFn, type OpenAIAnswerOptions } from './answer/openai-answer-fn';
/** Reads an image file into a base64 data URL. */
export { imageDataUrl } from './answer/image-data-url';
/** Resumable answer generation over an eval set (append JSONL, skip done ids). */
export { generateAnswers, answerQuestions, resolveQuestionImage, type GenerateAnswersOptions, type AnswerRunOptions } from './answer/generate-answers';
/** Reference answers from a text-only teacher that sees captions and boxes only. */
export { generateReferenceAnswers, type ReferenceAnswerOptions, type ReferenceMessagesBuilder } from './reference/reference-answers';

/** Strict parsing of the judge's two scores on the first line. */
export { parseJudgeScores, type JudgeScoreParse, type ParsedJudgeScores, type JudgeParseFailure, type ScoreScale } from './judge/parse-judge-scores';
/** Judge records (raw outputs, attempts, judge model and version, status). */
export { judgeRecordSchema, judgeAttemptSchema, judgeOrderSchema, latestJudgeRecords, type JudgeRecord, type JudgeAttempt, type JudgeOrder } from './judge/judge-record';
/** Judging one item with retries on unparseable output. */
export { judgeItem, judgeCorrectionMessage, type JudgeInput, type JudgePromptInput, type JudgeMessagesBuilder, type JudgeSettings } from './judge/judge-item';
/** Joins questions, reference answers and model answers into judge inputs. */
export { buildJudgeInputs } from './judge/judge-inputs';
/** Judge and reference-answer messages from @vlm/prompts' LLaVA-Bench prompts, with their ids and versions. */
export { llavaBenchJudgeMessages, llavaBenchReferenceMessages, LLAVA_BENCH_PROMPTS } from './judge/llava-bench-messages';
/** Resumable judge runs, optionally with the assistants swapped. */
export { runJudge, type RunJudgeOptions } from './judge/run-judge';
/** Position (order) bias of the judge from the two passes. */
export { orderBias, type OrderBias } from './judge/order-bias';
/** Judge summary: counts, failures, relative scores per pass, order bias. */
export { summarizeJudge, type JudgeSummary, type JudgePassSummary } from './judge/summarize-judge';
/** Relative scores per category and overall, ratio of means and mean of ratios. */
export {
  relativeScore,
  relativeScores,
  RELATIVE_SCORE_METHODS,
  RELATIVE_SCORE_ROUNDINGS,
  type RelativeScore,
  type RelativeScores,
  type RelativeScoreRounding,
  type RelativeScoreOptions,
  type ScoredItem,
} from './scores/relative-scores';

/** Answer normalisation (case, punctuation, articles, number words). */
export { normalizeAnswer, normalizeAnswerWords } from './vqa/normalize-answer';
/** Open-answer recall, precision and F1. */
export { scoreOpenAnswer, type OpenAnswerScore } from './vqa/open-metrics';
/** Closed answers: yes/no on whole words. */
export { scoreClosedAnswer, yesNoVerdict, isYesNoAnswer, type ClosedAnswerScore, type YesNoVerdict } from './vqa/closed-answer';
/** VQA metrics over a set. */
export { scoreVqa, type VqaItem, type VqaItemScore, type VqaMetrics } from './vqa/score-vqa';

/** ScienceQA problems.json parsing. */
export { parseScienceQaProblems, scienceQaProblemSchema, type ScienceQaProblem } from './scienceqa/problem';
/** ScienceQA question and evaluation prompt formatting. */
export { formatScienceQaQuestion, formatScienceQaPrompt, SCIENCEQA_ANSWER_SUFFIX, SCIENCEQA_LETTERS } from './scienceqa/format-question';
/** ScienceQA answer parsing in LLaVA's order (letter, "X. ", "The answer is X", else FAILED). */
export { parseScienceQaAnswer, type ScienceQaParse, type ScienceQaParsing } from './scienceqa/parse-answer';
/** ScienceQA accuracy overall and on image questions. */
export { scoreScienceQa, type ScienceQaMetrics, type ScienceQaMissingRule, type ScienceQaItemScore, type AccuracyGroup } from './scienceqa/score-scienceqa';
/** Multiple-choice letter parsing (PMC-VQA cascade) and accuracy. */
export { parseChoiceLetter, type ChoiceLetterParse, type ChoiceLetterRule } from './multiple-choice/parse-choice-letter';
export { scoreMultipleChoice, type ChoiceItem, type ChoiceMetrics } from './multiple-choice/score-multiple-choice';

/** Report assembly, Markdown and chart. */
export { buildEvalReport, reportChartSpec, type EvalReport } from './report/eval-report';
export { reportMarkdown } from './report/report-markdown';
/** Grouped bar chart as SVG, and SVG to PNG with sharp. */
export { barChartSvg, type BarChartSpec, type BarGroup } from './report/bar-chart-svg';
export { svgToPng } from './report/render-png';
/** Runs async work over items with a concurrency limit. */
export { forEachConcurrent } from './run/for-each-concurrent';
