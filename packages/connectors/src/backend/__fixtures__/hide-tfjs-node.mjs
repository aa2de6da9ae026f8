// `node --import ./hide-tfjs-node.mjs`: makes `@tensorflow/tfjs-node` unresolvable, as on a machine
// where it is not installed.
import { register } from 'node:module';

register('./hide-tfjs-node-hooks.mjs', import.meta.url);
