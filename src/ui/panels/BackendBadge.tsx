/** The backend in use (WebGPU / WASM and threads) and whether the page is cross-origin isolated. */
import { useApp } from '../../store/store';

/** Small badge for the header. */
export function BackendBadge() {
  const backend = useApp((s) => s.loaded?.backend ?? null);
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const isolation = isolated
    ? 'cross-origin isolated: WASM threads available'
    : 'not cross-origin isolated: WASM runs on one thread';
  if (!backend) {
    return (
      <span className="badge badge-idle" data-testid="backend-badge" title={isolation}>
        no model loaded{isolated ? '' : ' · 1 thread'}
      </span>
    );
  }
  const label =
    backend.backend === 'webgpu'
      ? `WebGPU${backend.fp16 ? ' · fp16' : ''}`
      : `WASM · ${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  return (
    <span className={`badge badge-${backend.backend}`} data-testid="backend-badge" title={isolation}>
      {label}
    </span>
  );
}
