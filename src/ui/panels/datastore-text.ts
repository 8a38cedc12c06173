/** How the page words a corpus datastore and a build in progress (pure text, for the picker and its tests). */
import type { DatastoreBuildStage, DatastoreStatus } from '../../store/datastore-slice';
import type { DatastoreSummary } from '../../worker/protocol';

/** A datastore label for display: a URL (the target's shipped file) shortened to its last two path segments. */
export function shortLabel(label: string): string {
  if (!/^https?:\/\//i.test(label)) return label;
  const parts = new URL(label).pathname.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || label;
}

/** Bytes in MiB with one decimal (`< 0.1 MiB` below that, rather than a bare 0.0). */
export function formatMiB(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib > 0 && mib < 0.05 ? '< 0.1 MiB' : `${mib.toFixed(1)} MiB`;
}

/** `datastore: LABEL, N tokens, built in X ms, Y MiB`. */
export function datastoreLine(d: DatastoreSummary): string {
  return (
    `datastore: ${shortLabel(d.label)}, ${d.tokens} tokens, built in ${Math.round(d.buildMs)} ms, ` +
    `${formatMiB(d.memoryBytes)}`
  );
}

const STAGE_TEXT: Record<DatastoreBuildStage, string> = {
  read: 'reading',
  models: 'loading the models (their tokenizer) for',
  tokenize: 'tokenizing',
  index: 'indexing',
};

/** `tokenizing pasted text (1.2 KB): 40%` for a build in progress; null otherwise. */
export function buildProgressText(status: DatastoreStatus): string | null {
  if (status.kind !== 'building') return null;
  const measured = status.stage === 'tokenize' || status.stage === 'index';
  return `${STAGE_TEXT[status.stage]} ${shortLabel(status.label)}${measured ? `: ${Math.round(status.fraction * 100)}%` : '…'}`;
}
