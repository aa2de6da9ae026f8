import { runCli } from './run-cli';

// vlm-eval: thin command line over @vlm/eval; each command lives in ./commands.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
