import { runMain } from '@vlm/core/node';

import { commands } from './commands/index';

// vlm-train: thin command line over the @vlm packages; each command lives in ./commands.
runMain('vlm-train', commands);
