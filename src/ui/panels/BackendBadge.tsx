/**
 * The backend in use (WebGPU / WASM and threads), and why WASM has the threads it has (from
 * `threadReason`: cross-origin isolation, or what kept the page from it).
 */
import { useApp } from '../../store/store';
import { threadReason, type Isolation } from '../cross-origin-isolation';

/** Small badge for the header. */
export function BackendBadge({ isolation }: { isolation: Isolation }) {
  const backend = useApp((s) => s.loaded?.backend ?? null);
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
    <span className={`badge badge-${backend.backend}`} data-testid="backend-badge" title={reason.detail}>
      {label}
    </span>
  );
}
