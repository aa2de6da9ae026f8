// Node-only helpers of @vlm/connectors (file system). The main entry stays browser-safe.

/** Read a safetensors file; open one to read a tensor at a time; write one atomically, a tensor at a time. */
export { readSafetensorsFile, openSafetensorsFile, writeSafetensorsFile, type SafetensorsReader } from '../safetensors/safetensors-files';
/** Save a module's weights to a safetensors file under upstream names; load one back. */
export { saveModuleWeights, loadModuleWeights } from '../state-dict/module-weights-files';
