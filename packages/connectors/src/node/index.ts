// Node-only helpers of @vlm/connectors (file system). The main entry stays browser-safe.

/** Read a safetensors file; write one atomically (temporary file, then rename). */
export { readSafetensorsFile, writeSafetensorsFile } from '../safetensors/safetensors-files';
/** Save a module's weights to a safetensors file under upstream names; load one back. */
export { saveModuleWeights, loadModuleWeights } from '../state-dict/module-weights-files';
