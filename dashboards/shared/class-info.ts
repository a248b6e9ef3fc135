import type { ClassName } from './types.js';

/** Human label and default budget (ms) per class, from DESIGN.md §3 (protocols CLASS_DEFAULTS). */
export const CLASS_INFO: Readonly<Record<ClassName, { label: string; budgetMs: number }>> = {
  control: { label: 'Control', budgetMs: 50 },
  alarm: { label: 'Alarm', budgetMs: 500 },
  vitals: { label: 'Vitals', budgetMs: 1000 },
  waveform: { label: 'Waveform', budgetMs: 500 },
  video: { label: 'Video', budgetMs: 150 },
  bulk: { label: 'Bulk', budgetMs: 120_000 },
};
