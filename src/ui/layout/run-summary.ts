/**
 * The one-line summary of a run, as chat apps show it under a reply: speed, length, how much of the draft the
 * target accepted, and the speedup against `ar` on the same prompt and settings (measured right after the run).
 */
import type { Metrics } from '../../core/metrics';

/** What the line says about the baseline: its speed, that it is being measured, or nothing yet. */
export type BaselineState = { tokensPerSecond: number } | 'measuring' | null;

/** "312.4 tokens/s · 64 tokens · 58% of draft tokens accepted · 1.21× vs ar". */
export function runSummaryLine(m: Metrics, strategy: string, baseline: BaselineState): string {
  const parts = [
    `${m.tokens_per_second.toFixed(1)} tokens/s`,
    `${m.tokens_emitted} token${m.tokens_emitted === 1 ? '' : 's'}`,
  ];
  if (strategy === 'ar') return [...parts, 'the ar baseline'].join(' · ');
  parts.push(
    m.draft_n > 0
      ? `${Math.round((100 * m.draft_n_accepted) / m.draft_n)}% of draft tokens accepted`
      : 'no draft tokens',
  );
  if (baseline === 'measuring') parts.push('measuring ar…');
  else if (baseline && baseline.tokensPerSecond > 0) {
    parts.push(`${(m.tokens_per_second / baseline.tokensPerSecond).toFixed(2)}× vs ar (one run each)`);
  }
  return parts.join(' · ');
}
