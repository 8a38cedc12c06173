/**
 * Where each output token came from, per step: accepted draft tokens first (each drawn by one draft source: the
 * draft model, the context lookup or the corpus datastore), then the target's bonus token (absent when the run was
 * cut at EOS / max tokens before it).
 */
import type { StepRecord } from '../../core/step';
import { DRAFT_SOURCES, type DraftSourceName } from '../../core/strategy';

/** Origin of an emitted token. */
export type EmittedKind = 'accepted' | 'bonus';

/**
 * Classifies `step.emitted`: index i < acceptedPath.length - 1 is an accepted draft token, index
 * acceptedPath.length - 1 is the bonus. A step whose path is empty counts as a lone root (every token a bonus).
 */
export function emittedKinds(step: StepRecord): EmittedKind[] {
  const accepted = Math.max(0, step.acceptedPath.length - 1);
  return step.emitted.map((_, i) => (i < accepted ? 'accepted' : 'bonus'));
}

/**
 * The draft source of each of `step.emitted`: accepted token i is tree node acceptedPath[i + 1], drawn by
 * `tree.sources` of that node (the draft model where the record has no source); null for the bonus.
 */
export function emittedSources(step: StepRecord): (DraftSourceName | null)[] {
  const kinds = emittedKinds(step);
  return kinds.map((kind, i) =>
    kind === 'accepted' ? (step.tree.sources?.[step.acceptedPath[i + 1]] ?? 'model') : null,
  );
}

/** Token counts of an output: accepted draft tokens by source, the target's bonus tokens, draft nodes by source. */
export interface StreamCounts {
  accepted: Record<DraftSourceName, number>;
  bonus: number;
  /** Draft nodes each source drew in the steps' trees (accepted or not). */
  drafted: Record<DraftSourceName, number>;
}

/** Counts every emitted token of `steps` by origin, and every draft node by source. */
export function streamCounts(steps: readonly StepRecord[]): StreamCounts {
  const accepted: Record<DraftSourceName, number> = { context: 0, corpus: 0, model: 0 };
  const drafted: Record<DraftSourceName, number> = { context: 0, corpus: 0, model: 0 };
  let bonus = 0;
  for (const step of steps) {
    for (const source of emittedSources(step)) {
      if (source) accepted[source]++;
      else bonus++;
    }
    for (const source of step.tree.sources ?? []) if (source) drafted[source]++;
  }
  return { accepted, bonus, drafted };
}

/**
 * The sources the output legend lists: those that drew a draft node or an accepted token, in canonical order; the
 * draft model alone when there are none (an autoregressive run: the legend still shows what an accepted token looks
 * like).
 */
export function legendSources(counts: StreamCounts): DraftSourceName[] {
  const present = DRAFT_SOURCES.filter((s) => counts.accepted[s] > 0 || counts.drafted[s] > 0);
  return present.length > 0 ? present : ['model'];
}
