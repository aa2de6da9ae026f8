// Gradients and chained tensor methods (`x.reshape(...)`) of tfjs-core. The `@tensorflow/tfjs` umbrella
// registers both; without it tfjs-core ships them only as ES modules that Node cannot load (extensionless
// and directory imports). tsup bundles this entry into `dist/tfjs-extras.{js,cjs}`, and the package's
// `#tfjs-extras` import points there, in source mode (tests, tsx) too. tfjs-core keeps its registries and
// the Tensor class on a global, so these copies register into the same engine as the package's tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
