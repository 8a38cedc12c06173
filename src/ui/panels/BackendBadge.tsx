/**
 * The header's badges: the model pair last loaded, and its backend (WebGPU / WASM and threads) with why WASM has
 * the threads it has (from `threadReason`: cross-origin isolation, or what kept the page from it). Both come from the
 * last pair that loaded, so a failed load of another pair leaves them naming that pair, marked as no longer loaded.
 */
import { useApp } from '../../store/store';
import { threadReason, type Isolation } from '../cross-origin-isolation';

/** A model id for display: a folder URL's or path's last segment, a hub id as is. */
export function shortModelId(id: string): string {
  return /^(https?:\/\/|\.{0,2}\/)/.test(id) ? (id.replace(/\/+$/, '').split('/').pop() ?? id) : id;
}

/** The pair badge: nothing before any pair loaded. */
function PairBadge() {
  const pair = useApp((s) => s.lastPair);
  const current = useApp((s) => s.loaded !== null);
  if (!pair) return null;
  const names = `${shortModelId(pair.draft)} → ${shortModelId(pair.target)}`;
  return (
    <span
      className={`badge ${current ? 'badge-pair' : 'badge-idle'}`}
      data-testid="pair-badge"
      title={
        current
          ? `draft ${pair.draft}, target ${pair.target}`
          : `the last pair that loaded (${pair.draft} → ${pair.target}); the engine let it go when another load started`
      }
    >
      {current ? names : `last loaded: ${names}`}
    </span>
  );
}

/** Small badges for the header. */
export function BackendBadge({ isolation }: { isolation: Isolation }) {
  const backend = useApp((s) => s.lastPair?.backend ?? null);
  // Before a model loads, an unisolated page will run on one thread; an isolated one's count is not known yet.
  const threads = backend?.threads ?? (isolation.isolated ? null : 1);
  const reason = threadReason(isolation, threads);
  const threadText = threads === null ? '' : `${threads} thread${threads === 1 ? '' : 's'}`;
  const withReason = reason.short && threads === 1 ? `${threadText}: ${reason.short}` : threadText;
  if (!backend) {
    return (
      <span className="badge badge-idle" data-testid="backend-badge" title={reason.detail}>
        no model loaded{withReason ? ` · ${withReason}` : ''}
      </span>
    );
  }
  const label = backend.backend === 'webgpu' ? `WebGPU${backend.fp16 ? ' · fp16' : ''}` : `WASM · ${withReason}`;
  return (
    <>
      <PairBadge />
      <span className={`badge badge-${backend.backend}`} data-testid="backend-badge" title={reason.detail}>
        {label}
      </span>
    </>
  );
}
