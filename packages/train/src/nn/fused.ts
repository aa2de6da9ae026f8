// Fused ops: forward as a few tfjs ops or one kernel, backward written out by hand. tfjs keeps every
// intermediate of a differentiated forward alive until the backward pass ends; a customGrad op keeps only
// what it saves, which is what lets a 135M-parameter LM train inside the 4 GB wasm heap. They live in
// `@vlm/connectors`, beside their kernels.

/** RMSNorm and attention (a JS kernel on wasm for the norm). */
export { rmsNormFused, attentionFused } from '@vlm/connectors';
/** SwiGLU's gate silu(gate)·up and RoPE x·cos + rotate_half(x)·sin: one kernel pass each way on wasm and cpu. */
export { swigluFused as swiglu, rotaryFused as ropeFused } from '@vlm/connectors';
