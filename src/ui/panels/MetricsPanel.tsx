/**
 * Live metrics of the run on screen (DESIGN.md §5): tokens/s, mean acceptance length tau, speedup against the
 * autoregressive baseline of the same prompt and settings (when one was measured), acceptance rate per depth, and
 * where the time went.
 */
import type { Metrics } from '../../core/metrics';
import { runMetrics } from '../../store/derive';
import { failedRunError } from '../../store/run-slice';
import { runSummaryLine } from '../layout/run-summary';
import { useApp } from '../../store/store';
import { TOKEN_COLORS } from '../theme';

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Draft / verify / overhead split as one stacked bar. */
function TimeSplit({ m }: { m: Metrics }) {
  const t = m.time_ms;
  const overhead = t.tree + t.commit + t.sampling;
  const parts = [
    { name: 'draft', ms: t.draft, color: '#2563eb' },
    { name: 'verify', ms: t.verify, color: '#16a34a' },
    { name: 'overhead', ms: overhead, color: '#9ca3af' },
  ];
  const total = parts.reduce((a, p) => a + p.ms, 0) || 1;
  return (
    <div className="time-split">
      <div className="stacked-bar" role="img" aria-label="time split">
        {parts.map((p) => (
          <span key={p.name} style={{ width: `${(100 * p.ms) / total}%`, background: p.color }} />
        ))}
      </div>
      <ul className="legend-inline">
        {parts.map((p) => (
          <li key={p.name}>
            <span className="swatch" style={{ background: p.color }} />
            {p.name} {fmt(p.ms, 0)} ms ({fmt((100 * p.ms) / total, 0)}%)
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Acceptance rate at each depth, as small horizontal bars. */
function DepthBars({ rates }: { rates: number[] }) {
  if (rates.length === 0) return <p className="muted">no draft tokens yet</p>;
  return (
    <ol className="depth-bars" aria-label="acceptance rate per depth">
      {rates.map((r, d) => (
        <li key={d}>
          <span className="depth-label">d{d + 1}</span>
          <span className="bar-track">
            <span className="bar" style={{ width: `${100 * r}%`, background: TOKEN_COLORS.accepted }} />
          </span>
          <span className="depth-value">{fmt(100 * r, 0)}%</span>
        </li>
      ))}
    </ol>
  );
}

/** The metrics panel. */
export function MetricsPanel() {
  const run = useApp((s) => s.run);
  const baseline = useApp((s) => (s.run?.baselineKey ? s.baselines[s.run.baselineKey] : undefined));
  const failed = useApp((s) => failedRunError(s) !== null);
  const measuring = useApp((s) => s.baselineRunning);
  if (!run) return null;
  if (failed && run.steps.length === 0) {
    // Zeros here would read as a measurement; the error is in the tree's place.
    return (
      <section className="panel metrics-panel" aria-label="Metrics">
        <h2>Metrics</h2>
        <p className="muted" data-testid="metrics-failed">
          none: the run failed before its first step
        </p>
      </section>
    );
  }
  const m = runMetrics(run);
  const speedup = baseline && baseline.tokens_per_second > 0 ? m.tokens_per_second / baseline.tokens_per_second : NaN;
  return (
    <section className="panel metrics-panel" aria-label="Metrics">
      <h2>Metrics {failed && <small className="error">(up to the failure)</small>}</h2>
      <p className="run-summary" data-testid="run-summary">
        {runSummaryLine(
          m,
          run.strategy,
          baseline ? { tokensPerSecond: baseline.tokens_per_second } : measuring ? 'measuring' : null,
        )}
      </p>
      <dl className="metric-grid" data-testid="metrics">
        <div>
          <dt>tokens/s</dt>
          <dd>{fmt(m.tokens_per_second, 1)}</dd>
        </div>
        <div>
          <dt title="mean acceptance length: tokens per target call">τ</dt>
          <dd>{fmt(m.mean_acceptance_length)}</dd>
        </div>
        <div>
          <dt>speedup vs AR</dt>
          <dd
            data-testid="speedup"
            title={baseline ? `baseline ${fmt(baseline.tokens_per_second, 1)} tokens/s` : 'measure the AR baseline'}
          >
            {Number.isFinite(speedup) ? `${fmt(speedup)}×` : run.strategy === 'ar' ? '1.00×' : '—'}
          </dd>
        </div>
        <div>
          <dt>target calls</dt>
          <dd>{m.verify_steps}</dd>
        </div>
        <div>
          <dt>accepted / drafted</dt>
          <dd>
            {m.draft_n_accepted} / {m.draft_n}
          </dd>
        </div>
        <div>
          <dt>tokens</dt>
          <dd>{m.tokens_emitted}</dd>
        </div>
      </dl>
      <h3>Acceptance per depth</h3>
      <DepthBars rates={m.acceptance_rate_per_depth} />
      <h3>Time split</h3>
      <TimeSplit m={m} />
    </section>
  );
}
