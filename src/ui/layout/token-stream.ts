/**
 * Where each output token came from, per step: accepted draft tokens first, then the target's bonus token (absent
 * when the run was cut at EOS / max tokens before it).
 */
import type { StepRecord } from '../../core/step';

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
