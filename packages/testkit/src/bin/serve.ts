#!/usr/bin/env node
// Starts the OpenAI-compatible test server in its own process (see serveFromCli for the flags).
import { serveFromCli } from '../openai-server/serve-cli';

serveFromCli(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
