import { runCli } from './run-cli';

// vlm-eval: thin command line over @vlm/eval; each command lives in ./commands.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
