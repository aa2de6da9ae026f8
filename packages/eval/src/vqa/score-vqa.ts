import { VlmError } from '@vlm/core';
import { isYesNoAnswer, scoreClosedAnswer, type YesNoVerdict } from './closed-answer';
import { scoreOpenAnswer } from './open-metrics';

/** One VQA item to score: the reference answer and the model's prediction. */
export interface VqaItem {
  id: string;
  reference: string;
  prediction: string;
  /** Closed (yes/no or a fixed choice) or open. Missing: closed when the reference is yes/no. */
  answerType?: 'open' | 'closed';
}

/** Per-item outcome, kept in the report so every number can be traced back. */
export interface VqaItemScore {
  id: string;
  answerType: 'open' | 'closed';
  recall?: number;
  precision?: number;
  f1?: number;
  correct?: boolean;
  verdict?: YesNoVerdict;
}

/** Aggregate VQA metrics: means over open items and accuracy over closed items (0..100). */
export interface VqaMetrics {
  open: { n: number; recall: number; precision: number; f1: number };
  closed: { n: number; correct: number; accuracy: number; ambiguous: number; noVerdict: number };
  items: VqaItemScore[];
}

function pct(value: number): number {
  return Math.round(value * 10000) / 100;
}

/**
 * Scores a VQA set the LLaVA-Med way with the substring bug fixed: open items by normalised word
 * recall (plus precision and F1), closed items by accuracy on whole words. Percentages, 2 decimals.
 * Empty groups report n = 0 and NaN-free zeros.
 */
export function scoreVqa(items: readonly VqaItem[]): VqaMetrics {
  const scores: VqaItemScore[] = [];
  let recall = 0, precision = 0, f1 = 0, nOpen = 0;
  let nClosed = 0, correct = 0, ambiguous = 0, noVerdict = 0;
  items.forEach((item, row) => {
    const answerType = item.answerType ?? (isYesNoAnswer(item.reference) ? 'closed' : 'open');
    try {
      if (answerType === 'open') {
        const s = scoreOpenAnswer(item.prediction, item.reference);
        recall += s.recall;
        precision += s.precision;
        f1 += s.f1;
        nOpen++;
        scores.push({ id: item.id, answerType, ...s });
      } else {
        const s = scoreClosedAnswer(item.prediction, item.reference);
        nClosed++;
        if (s.correct) correct++;
        if (s.verdict === 'ambiguous') ambiguous++;
        if (s.verdict === 'none') noVerdict++;
        scores.push({ id: item.id, answerType, ...s });
      }
    } catch (error) {
      throw new VlmError('vqa_bad_reference', error instanceof Error ? error.message : String(error), {
        location: { row, id: item.id, field: 'answer' },
        hint: 'Every VQA question needs a non-empty reference answer.',
      });
    }
  });
  return {
    open: {
      n: nOpen,
      recall: nOpen ? pct(recall / nOpen) : 0,
      precision: nOpen ? pct(precision / nOpen) : 0,
      f1: nOpen ? pct(f1 / nOpen) : 0,
    },
    closed: { n: nClosed, correct, accuracy: nClosed ? pct(correct / nClosed) : 0, ambiguous, noVerdict },
    items: scores,
  };
}
