import { readFileSync } from 'node:fs';
import { VlmError } from '@vlm/core';

/** A required string flag. */
export function required(command: string, value: string | boolean | undefined | (string | boolean)[], flag: string, usage: string): string {
  if (typeof value !== 'string' || value === '') throw new VlmError('cli_usage', `${command}: --${flag} is required.`, { hint: usage });
  return value;
}

/** A positive integer flag with a default. */
export function intFlag(command: string, value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new VlmError('cli_usage', `${command}: --${flag} must be a positive integer, got ${String(value)}.`);
  return n;
}

/** A number flag (temperature) with an optional default. */
export function numberFlag(command: string, value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new VlmError('cli_usage', `${command}: --${flag} must be a number, got ${String(value)}.`);
  return n;
}

/** Reads and parses a JSON file; errors name the file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VlmError('file_unreadable', `Cannot read ${file}: ${(error as Error).message}`, { location: { file } });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VlmError('file_bad_json', `${file} is not valid JSON: ${(error as Error).message}`, { location: { file } });
  }
}

/** Progress on stderr: one line per `every` items and at the end. */
export function progress(label: string, total: number, every = 10): () => void {
  let done = 0;
  return () => {
    done++;
    if (done % every === 0 || done === total) process.stderr.write(`${label}: ${done}/${total}\n`);
  };
}
