import { VlmError } from '@vlm/core';
import type { FewShotExample } from '../chat/chat-message';

/** A file's name (any folder prefix is ignored) and its text. No paths are opened: this stays browser-safe. */
export interface PromptFile {
  name: string;
  content: string;
}

/** What a LLaVA prompt folder (`playground/data/prompts/<kind>/`) holds. */
export interface LlavaPromptFolder {
  /** `system_message.txt`, when present. */
  systemMessage?: string;
  /** `NNN_caps.txt` (context) + `NNN_conv.txt` (response) pairs, in numeric order. */
  examples: FewShotExample[];
  /** Files that are neither, by name. */
  ignored: string[];
}

const pairFile = /^(\d+)_(caps|conv)\.txt$/;

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

function cleanText(content: string): string {
  // Files end with a newline that was never part of the message.
  return content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').trimEnd();
}

/**
 * Reads LLaVA's few-shot files: each `NNN_caps.txt` is the user context and `NNN_conv.txt` the assistant
 * response of example `NNN`; `system_message.txt` is the system message. A caps file without its conv
 * file (or the reverse), an empty file or a duplicate number is an error naming the file.
 */
export function loadLlavaPromptFiles(files: readonly PromptFile[]): LlavaPromptFolder {
  const byNumber = new Map<string, { caps?: PromptFile; conv?: PromptFile }>();
  const folder: LlavaPromptFolder = { examples: [], ignored: [] };
  for (const file of files) {
    const name = baseName(file.name);
    if (name === 'system_message.txt') {
      folder.systemMessage = cleanText(file.content);
      continue;
    }
    const match = pairFile.exec(name);
    if (!match) {
      folder.ignored.push(file.name);
      continue;
    }
    const [, number, kind] = match as unknown as [string, string, 'caps' | 'conv'];
    const entry = byNumber.get(number) ?? {};
    if (entry[kind] !== undefined) {
      throw new VlmError('few_shot_duplicate', `Two ${kind} files for example ${number}: ${entry[kind]?.name} and ${file.name}.`, {
        location: { file: file.name },
        hint: 'Pass each NNN_caps.txt / NNN_conv.txt once.',
      });
    }
    if (cleanText(file.content).length === 0) {
      throw new VlmError('few_shot_empty', `Few-shot file ${file.name} is empty.`, { location: { file: file.name } });
    }
    entry[kind] = file;
    byNumber.set(number, entry);
  }
  const numbers = [...byNumber.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const number of numbers) {
    const entry = byNumber.get(number) as { caps?: PromptFile; conv?: PromptFile };
    if (entry.caps === undefined || entry.conv === undefined) {
      const present = (entry.caps ?? entry.conv) as PromptFile;
      const missing = entry.caps === undefined ? `${number}_caps.txt` : `${number}_conv.txt`;
      throw new VlmError('few_shot_unpaired', `Few-shot example ${number} has no ${missing}.`, {
        location: { file: present.name },
        hint: 'Every NNN_caps.txt (context) needs an NNN_conv.txt (response) with the same number.',
      });
    }
    folder.examples.push({ id: number, context: cleanText(entry.caps.content), response: cleanText(entry.conv.content) });
  }
  return folder;
}
