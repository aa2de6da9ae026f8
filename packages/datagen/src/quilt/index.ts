// Public API of the Quilt area of @vlm/datagen: cursor-grounded instructions from narrated videos.

/** Checking a transcript against the video: empty, out-of-range utterances. */
export { checkTranscript, type TranscriptCheck } from './transcript/check-transcript';
/** Timed narration: utterances and word times. */
export { countWords, type Utterance, type TimedWord } from './transcript/utterance';
/** Transcript parsers: SRT, WebVTT (with inline word times) and Whisper-style JSON. */
export { parseSrt } from './transcript/parse-srt';
export { parseWebVtt } from './transcript/parse-webvtt';
export { parseWhisperJson } from './transcript/parse-whisper-json';
export { parseTranscript, readTranscript, type TranscriptFormat } from './transcript/read-transcript';
/** SRT / WebVTT timestamp parsing. */
export { parseTimestamp } from './transcript/timestamp';
/** Splitting ASR segments into sentences by their word times. */
export { splitSentences } from './transcript/split-sentences';

/** Decoded RGB frames (sharp) and their encoding. */
export { readRgbFrame, encodeRgbFrame, type RgbFrame } from './frames/rgb-frame';
/** Finding ffmpeg (env, PATH, or the optional npm binary). */
export { findFfmpeg, requireFfmpeg, type FfmpegLocation } from './frames/ffmpeg';
/** Duration, size and frame rate of a video, before decoding. */
export { probeVideo, type VideoProbe } from './frames/probe-video';
/** Frames decoded by ffmpeg as raw RGB over a pipe, each at its true presentation time, with a decode report. */
export { decodeVideo, selectExpression, type VideoDecode, type DecodeVideoOptions, type DecodeReport } from './frames/decode-video';
/** Frame files or decoded frames, as the pipeline reads them. */
export { iterateFrames, type FrameInput } from './frames/frame-source';
/** A folder of frames with `timestamps.json` or a frame rate. */
export { listFrameFolder } from './frames/frame-folder';

/** Stable-background chunks of a video. */
export { findStableChunks, frameSignature, signatureChange, SignatureGrid, type StableChunk, type StableChunkOptions } from './cursor/stable-chunks';
/** Frame-to-frame changed words and the signature updated only where they are. */
export { FrameDiffer, type FrameDelta, type FrameDifferOptions } from './cursor/frame-differ';
/** Per-pixel median frame of a chunk. */
export { medianFrame, medianSample } from './cursor/median-frame';
/** A chunk's frames held as word-level differences from frame to frame, and its median from them. */
export { ChunkFrames, type ChunkFramesOptions, type FrameStep } from './cursor/chunk-frames';
export { chunkMedian } from './cursor/chunk-median';
/** Cursor extraction: median subtraction, threshold, box filter, maximum. */
export { extractCursor, locateCursor, createCursorScratch, type CursorOptions, type CursorHit, type CursorScratch } from './cursor/extract-cursor';
/** Median frame, cursor hits and the normalised `{x, y, t}` trace of one chunk. */
export { traceChunk, type ChunkTrace } from './cursor/trace-chunk';
/** The trace picture: cursor points over the frame, colour encoding time. */
export { drawTrace, writeTracePicture, renderTracePicture, timeColour, BOX_COLOURS, type LabelledBox } from './cursor/trace-picture';

/** Trace points and boxes in normalised coordinates. */
export type { TracePoint, Box } from './grounding/trace-point';
/** Seeded k-means (k-means++ init, restarts). */
export { kmeans, type KMeansResult, type KMeansOptions } from './grounding/kmeans';
/** Quantiles (linear interpolation) and the 1.5·IQR outlier rule. */
export { quantile, filterIqr } from './grounding/quantile';
/** k from the caption's word count (1-4). */
export { clusterCountForWords } from './grounding/cluster-count';
/** Time-weighted clustering of a cursor trace with IQR boxes and area filters. */
export { clusterTraces, type TraceCluster, type TraceClusteringOptions } from './grounding/cluster-traces';
/** Utterance-to-cluster mapping, renumbering and small-cluster merging. */
export { assignUtterances, type TimedText, type UtteranceGroup } from './grounding/assign-utterances';
/** The grounded caption (`words [x1, y1, x2, y2], ...`). */
export { groundCaption, formatBox, formatGroundedCaption, type GroundedCaption, type GroundedSegment, type GroundCaptionOptions } from './grounding/ground-caption';
/** Sentence-level grounding: each utterance on the cursor points of its own time window. */
export { groundUtterances, type TimedSentence, type SentenceGrounding, type UtteranceGroundedCaption, type UtteranceGroundingOptions } from './grounding/ground-utterances';
/** Python's `str(round(v, 2))`, for byte-identical caption strings. */
export { pythonRound2 } from './grounding/python-round';

/** The teacher interface of the pathology steps and its adapter to the teacher engine. */
export { engineTeacherChat, type TeacherChat, type TeacherRequest, type ChatMessage } from './instruct/teacher-chat';
/** Quilt-Instruct generation: conversation, detailed description, complex reasoning, iterative abduction. */
export {
  generateQuiltConversation,
  generateQuiltDetail,
  generateQuiltReasoning,
  generateQuiltAbduction,
  extractVideoDiagnosis,
  type GroundedImage,
  type VideoDiagnosis,
  type QuiltInstructionKind,
  type QuiltRecord,
} from './instruct/generate-instructions';
/** The whole-video diagnosis step (the other prompts come from @vlm/prompts). */
export { QUILT_DIAGNOSIS_SYSTEM, parseDiagnosis } from './instruct/quilt-diagnosis-prompt';
/** A rule-based Quilt teacher for offline runs. */
export { symbolicQuiltTeacher, describePosition } from './instruct/symbolic-teacher';

/** Stage 1: frames to grounded chunks; the whole resumable pipeline. */
export { groundVideo, utterancesInWindow, type GroundedChunk, type GroundVideoOptions, type GroundingMode, type ChunkGrounding, type ChunkUtterance } from './pipeline/ground-video';
/** Keys of saved state: file hashes and canonical JSON hashes. */
export { hashFile, hashJson, describeFrameFiles, QUILT_STATE_VERSION } from './pipeline/run-key';
export { runQuiltPipeline, type QuiltPipelineOptions, type QuiltPipelineResult } from './pipeline/run-quilt-pipeline';

/** The built-in demo: a synthetic narrated video with a known cursor path. */
export { renderDemoVideo, demoCursorAt, type DemoVideo, type DemoVideoOptions } from './demo/render-demo-video';
export { DEMO_SCENES, type DemoScene, type DemoLine } from './demo/demo-script';
export { runQuiltDemo, DEFAULT_QUILT_FPS, type QuiltDemoResult } from './demo/run-quilt-demo';
/** Scoring a grounding against known regions: IoU and hit rate per sentence. */
export { boxIou, groundingHitRate, type GroundingHitRate } from './demo/grounding-hit-rate';
export { localisationError, type LocalisationError } from './demo/localisation-error';
