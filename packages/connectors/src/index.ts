// Public API of @vlm/connectors. Browser-safe: file helpers live behind `@vlm/connectors/node`.

// The cpu backend, tfjs-core's gradients and chained tensor methods, as the @tensorflow/tfjs umbrella did.
import './backend/tfjs-runtime';

/** Picks the TF.js backend once (tfjs-node, else wasm with fast kernels, else cpu); `VLM_TF_BACKEND` forces one. */
export { selectBackend, BACKEND_ENV_VAR, type BackendChoice, type BackendKind, type SelectBackendOptions } from './backend/select-backend';
/** Environment variable for `selectBackend`'s `wasmThreads` (a count or `auto`), and the option's type. */
export { WASM_THREADS_ENV_VAR, type WasmThreads } from './backend/wasm-threads';
/** wasm kernels for training: XNNPACK for every BatchMatMul, leading-axes Sum, memory-sharing Identity, UnsortedSegmentSum (gather gradient); and the stock ones back. */
export { registerFastWasmKernels, useStockWasmKernels, useStockWasmBatchMatMul } from './kernels/register-wasm-kernels';
export { registerNativeKernels, restoreStockNativeKernels } from './kernels/native-kernels';
/** Tensors kept for gradients without a kernel and a tape entry each (on by default); `false` puts tfjs-core's copies back. */
export { useLeanSavedTensors } from './backend/saved-tensors';
/** Parses safetensors bytes (every dtype but FP8) with strict header validation; tensors decode lazily, one per request. */
export {
  readSafetensors,
  parseSafetensorsHeader,
  decodeTensor,
  MAX_HEADER_BYTES,
  type SafeTensor,
  type SafeTensorData,
  type SafetensorsFile,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type DecodeOptions,
} from './safetensors/read-safetensors';
/** Serialises tensors (F32, F16, BF16, F64, I64, U64, I32, U32, I16, U16, I8, U8, BOOL) byte-identical to the reference writer. */
export { writeSafetensors, planSafetensors, encodeTensor, type TensorToWrite, type SafetensorsLayout } from './safetensors/write-safetensors';
/** Half-precision conversions used by safetensors F16/BF16, and the dtype table. */
export { halfToFloat, floatToHalf, bf16ToFloat, floatToBf16, SAFETENSORS_DTYPES, DTYPE_BYTES, type SafetensorsDtype } from './safetensors/dtypes';
/** Weight-name maps between our names and upstream PyTorch names, with the [out,in] <-> [in,out] transpose. */
export {
  transpose2d,
  toUpstreamStateDict,
  loadUpstreamStateDict,
  type NameMapEntry,
  type WeightNameMap,
  type LoadStateDictOptions,
} from './weights/name-map';
/** Base of every module here: weight specs, `build`, named `weights()`, `parameterCount()` without allocation. */
export { TrainableModule, type UpstreamFormat } from './modules/trainable-module';
/** Weight declarations (shape + init) and helpers to declare dense and LayerNorm weights. */
export { denseSpecs, layerNormSpecs, allocateWeight, sizeOf, type WeightSpec, type WeightInit } from './modules/weight-spec';
/** Building blocks: exact erf GELU, 2-D-folded dense, LayerNorm with explicit eps, dropout, multi-head attention. */
export { gelu } from './layers/gelu';
export { dense, layerNorm, dropout, splitHeads, mergeHeads, attend, type AttendOptions } from './layers/ops';
/** Fused ops with hand-written gradients: one op per hot-path computation, a JS kernel on wasm/cpu where that is faster, standard ops elsewhere. */
export { layerNormFused, rmsNormFused } from './fused/layer-norm';
export { biasGelu, geluFused } from './fused/bias-gelu';
export { attentionFused } from './fused/attention';
export { linearFused } from './fused/linear';
export { rotaryFused } from './fused/rotary';
export { swigluFused } from './fused/swiglu';
export { crossEntropyOverPositions } from './fused/cross-entropy';
export { adamwUpdate, type AdamWEntry, type AdamWHyper } from './fused/adamw-update';
export { releaseNativeAdamW } from './kernels/native-adamw';
export { registerFusedKernels } from './fused/js-kernel';
/** The connector interface: x [b, tokens, visionWidth] -> [b, outTokens, lmWidth]. */
export { Connector, type ApplyOptions } from './connectors/connector';
/** LLaVA projectors: linear, mlp{N}x_gelu, identity. */
export { Projector, projectorConfigSchema, projectorDepth, type ProjectorConfig } from './connectors/projector';
/** BLIP-2 Q-Former connector. */
export { QFormer, qFormerConfigSchema, type QFormerConfig, type QFormerJointInput } from './connectors/q-former';
/** Flamingo Perceiver resampler. */
export { PerceiverResampler, perceiverConfigSchema, type PerceiverConfig } from './connectors/perceiver-resampler';
/** Flamingo gated cross-attention block with media-location masking, for interleaving into a language model. */
export {
  GatedCrossAttentionBlock,
  gatedCrossAttentionConfigSchema,
  crossAttentionLayerIndices,
  textTimeFromMediaLocations,
  type GatedCrossAttentionConfig,
  type GatedApplyOptions,
  type MediaPositions,
} from './connectors/gated-cross-attention';
/** Validates a config and creates the connector. */
export { createConnector, connectorConfigSchema, type ConnectorConfig } from './connectors/create-connector';
/** Save/load a module's weights under upstream names (LLaVA, HF, OpenFlamingo) as safetensors. */
export { moduleStateDict, loadModuleStateDict, type StateDictOptions } from './state-dict/module-state-dict';
