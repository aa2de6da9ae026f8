// What the `@tensorflow/tfjs` umbrella used to register on import, for the tfjs-core the package uses:
// the plain-JS cpu backend (so `tf.setBackend('cpu')` always works; wasm and tfjs-node load on demand),
// tfjs-core's gradients and the chained tensor methods (`x.reshape(...)`, bundled at build time, see
// tfjs-extras.ts). Imported by every module that runs tensors, so deep imports get it too.
import '@tensorflow/tfjs-backend-cpu';
import './load-tfjs-extras.js';
import { registerSumGradient } from './sum-gradient';
import { installLeanSavedTensors } from './saved-tensors';

// after tfjs-core's own gradients, which it replaces
registerSumGradient();
// tensors kept for gradients without a kernel and a tape entry each, where nothing differentiates through them
installLeanSavedTensors();
