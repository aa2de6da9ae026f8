import { VlmError } from '@vlm/core';
import { llavaMedPrompt, type LlavaMedInput } from '@vlm/prompts';

import { scanJsonl } from '../jsonl/scan-jsonl';
import { taskFromRequest, type PromptTask } from './llava-instruct';

/** One figure of a biomedical paper, as LLaVA-Med generation reads it. */
export interface FigureCaption {
  id: string;
  image: string;
  caption: string;
  figureLabel?: string;
  /** Sentences of the paper that mention the figure (optional context). */
  mentions: string[];
  domain?: LlavaMedInput['domain'];
}

const domains = ['chest_xray', 'ct_scan', 'gross', 'histology', 'mri'] as const;

function firstString(value: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    const v = value[name];
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function mentionsOf(value: Record<string, unknown>): string[] {
  const raw = value.mentions ?? value.inline_mentions ?? value.in_text_mention;
  if (!Array.isArray(raw)) return typeof raw === 'string' && raw.trim() ? [raw.trim()] : [];
  // LLaVA-Med's released files keep mentions as objects with the sentence under `tokens`.
  return raw
    .map((m) => (typeof m === 'string' ? m : typeof m === 'object' && m !== null ? ((m as { tokens?: unknown; text?: unknown }).tokens ?? (m as { text?: unknown }).text) : undefined))
    .filter((m): m is string => typeof m === 'string' && m.trim().length > 0)
    .map((m) => m.trim());
}

function domainOf(value: Record<string, unknown>): FigureCaption['domain'] {
  const d = value.domain;
  if (typeof d === 'string') return (domains as readonly string[]).includes(d) ? (d as FigureCaption['domain']) : undefined;
  // Upstream: { "chest_xray": false, "histology": true, ... }
  if (typeof d === 'object' && d !== null) return domains.find((name) => (d as Record<string, unknown>)[name] === true);
  return undefined;
}

/**
 * Reads figure captions from JSONL: `id` (or `pair_id`), `image`, `caption` (or `fig_caption`),
 * optional `figureLabel` (`fig_label`), `mentions` (`inline_mentions`, `in_text_mention`) and `domain`.
 * Every bad line is reported with its row in one error.
 */
export function readFigureCaptions(path: string): FigureCaption[] {
  const figures: FigureCaption[] = [];
  const problems: string[] = [];
  const scan = scanJsonl(path, (line) => {
    const value = line.value as Record<string, unknown>;
    const id = firstString(value, ['id', 'pair_id']);
    const image = firstString(value, ['image', 'image_path']);
    const caption = firstString(value, ['caption', 'fig_caption']);
    if (!id || !image || !caption) {
      problems.push(`row ${line.row}: needs ${[!id && 'id', !image && 'image', !caption && 'caption'].filter(Boolean).join(', ')}`);
      return;
    }
    figures.push({ id, image, caption, figureLabel: firstString(value, ['figureLabel', 'fig_label']), mentions: mentionsOf(value), domain: domainOf(value) });
  });
  for (const row of scan.badRows) problems.push(`row ${row}: not valid JSON`);
  if (problems.length > 0) {
    throw new VlmError('figure_captions_invalid', `${problems.length} bad line(s):\n  ${problems.slice(0, 10).join('\n  ')}`, {
      location: { file: path },
      hint: 'Each line: {"id", "image", "caption", "figureLabel"?, "mentions"?: string[], "domain"?}.',
    });
  }
  return figures;
}

/** LLaVA-Med conversation tasks, one per figure (task and record id: the figure id). */
export function* llavaMedTasks(figures: Iterable<FigureCaption>, options: { includeMentions?: boolean; maxExamples?: number; maxTokens?: number } = {}): Generator<PromptTask> {
  for (const figure of figures) {
    const request = llavaMedPrompt.build(
      { caption: figure.caption, figureLabel: figure.figureLabel, mentions: options.includeMentions === false ? [] : figure.mentions, domain: figure.domain },
      { maxExamples: options.maxExamples },
    );
    yield { ...taskFromRequest(figure.id, figure.id, request, figure.image, options.maxTokens), extra: { source: 'llava-med' } };
  }
}
