import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What a child process of a CLI did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built CLI (`apps/<app>/dist/cli.js`) in a child process with `node`, as a user does; never
 * throws on a non-zero exit. Fails loudly when the binary was not built.
 */
export function runBuiltCli(binary: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  if (!existsSync(binary)) throw new Error(`${binary} does not exist: build first (pnpm build, or npm test which builds).`);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [binary, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The command names listed under `commands:` in a help text (`  name  summary` lines). */
export function commandsInHelp(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'commands:');
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\S+)\s{2,}\S/.exec(line);
    if (!m) break;
    names.push(m[1]!);
  }
  return names;
}

/**
 * Every command path of a CLI as its own `--help` lists them, recursively (`['batch', 'export']`),
 * with the help text each printed.
 */
export async function listCliCommands(binary: string, prefix: string[] = []): Promise<Array<{ path: string[]; help: CliRun }>> {
  const help = await runBuiltCli(binary, [...prefix, '--help']);
  const below = await Promise.all(commandsInHelp(help.stdout).map((name) => listCliCommands(binary, [...prefix, name])));
  return [{ path: prefix, help }, ...below.flat()];
}
