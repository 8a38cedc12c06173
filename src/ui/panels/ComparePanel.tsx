/**
 * Compare view: run a list of strategies on the same prompt and settings, then chart them: speedup vs
 * autoregressive per strategy, tau and speedup vs node budget (fixed and dynamic trees as separate lines, and one
 * line per set of draft sources), acceptance rate by depth, and the draft's calibration (draft probability vs
 * observed acceptance). The table groups the strategies by where they draft from (a `source` column).
 */
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { comparisonBench } from '../../store/comparison-bench';
import { runBlocker } from '../../store/run-blockers';
import type { ComparisonView } from '../../store/traces-slice';
import { useApp } from '../../store/store';
import { BudgetChart, CalibrationChart, DepthAcceptanceChart, SpeedupBarChart } from '../charts';
import { calibrationBins } from '../layout/calibration';
import { comparisonRows, groupBySource } from '../layout/comparison';
import { downloadBlob } from '../export-svg';
import { explainRows } from '../../core/explain';
import { CostPanel } from './CostPanel';
import { SvgExport } from './SvgExport';
import { useElementWidth } from './use-width';

/** Gap between charts, px (as in app.css's .chart-grid). */
const CHART_GAP = 12;

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** The strategy list field (committed when valid). */
function StrategyList({ disabled }: { disabled: boolean }) {
  const value = useApp((s) => s.settings.compare);
  const setSetting = useApp((s) => s.setSetting);
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  if (shown !== value) {
    setShown(value);
    setText(value);
  }
  return (
    <div className="field">
      <label htmlFor={id}>Strategies to compare (comma-separated)</label>
      <input
        id={id}
        type="text"
        spellCheck={false}
        value={text}
        disabled={disabled}
        aria-invalid={error !== null}
        onChange={(e) => {
          setText(e.target.value);
          const message = setSetting('compare', e.target.value);
          setError(message);
          if (message === null)
            setShown(
              e.target.value
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean)
                .join(','),
            );
        }}
      />
      {error && <small className="field-error">{error}</small>}
    </div>
  );
}

/** The comparison's prompts, one per line (committed as typed; empty means the main prompt). */
function PromptList({ disabled }: { disabled: boolean }) {
  const value = useApp((s) => s.settings.comparePrompts);
  const setSetting = useApp((s) => s.setSetting);
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Prompts, one per line (empty: the prompt above)</label>
      <textarea
        id={id}
        rows={3}
        value={value}
        disabled={disabled}
        onChange={(e) => setSetting('comparePrompts', e.target.value)}
      />
    </div>
  );
}

/** Repeats and the `auto` sweep (committed when valid). */
function ProtocolFields({ disabled }: { disabled: boolean }) {
  const repeats = useApp((s) => s.settings.compareRepeats);
  const sweep = useApp((s) => s.settings.compareSweep);
  const setSetting = useApp((s) => s.setSetting);
  const [sweepText, setSweepText] = useState(sweep);
  const [error, setError] = useState<string | null>(null);
  const repeatsId = useId();
  const sweepId = useId();
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={repeatsId}>Repeats</label>
        <input
          id={repeatsId}
          type="number"
          min={1}
          max={20}
          value={repeats}
          disabled={disabled}
          onChange={(e) => setError(setSetting('compareRepeats', Number(e.target.value)))}
        />
      </div>
      <div className="field">
        <label htmlFor={sweepId}>Budgets next to each auto strategy (e.g. 2,4,8)</label>
        <input
          id={sweepId}
          type="text"
          spellCheck={false}
          value={sweepText}
          disabled={disabled}
          aria-invalid={error !== null}
          onChange={(e) => {
            setSweepText(e.target.value);
            setError(setSetting('compareSweep', e.target.value));
          }}
        />
      </div>
      {error && <small className="field-error">{error}</small>}
    </div>
  );
}

/** The status line of a comparison. */
function statusText(status: string, comparison: ComparisonView | null): string {
  if (status === 'loading') return 'loading models…';
  if (status === 'idle') return '';
  if (status !== 'running' || !comparison) return status;
  const p = comparison.progress;
  if (!p) return 'profiling the models…';
  if (p.phase === 'warmup') return `warming up (round ${p.round})…`;
  return `running ${Math.min(p.done + 1, p.total)} of ${p.total}…`;
}

/** Saves the engine's result document (the format `cli bench` writes) as a JSON file. */
function saveBench(comparison: ComparisonView): void {
  const doc = {
    settings: { strategies: comparison.strategies, prompts: comparison.prompts.length, repeats: comparison.repeats },
    ...comparison.bench,
    explanation: comparison.bench ? explainRows(comparison.bench) : [],
  };
  downloadBlob(new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' }), 'specdec-bench.json');
}

/** One chart in a figure with its export buttons. */
function ChartFigure({ name, title, children }: { name: string; title: string; children: ReactNode }) {
  const box = useRef<HTMLElement>(null);
  return (
    <figure ref={box} className="chart-figure" data-testid={`chart-${name}`}>
      <figcaption>
        {title} <SvgExport container={box} selector="svg" name={name} what={title} />
      </figcaption>
      {children}
    </figure>
  );
}

/** How the figures were taken: runs per figure, warm-up, order, intervals. */
function captionProtocol(
  protocol: { complete_units: number; bootstrap_units: string } | null,
  comparison: ComparisonView | null,
): string {
  if (!protocol || !comparison) return '';
  const units = protocol.complete_units;
  const warm = comparison.warmup.length;
  const warmText = comparison.source === 'live' ? `after ${warm} warm-up round${warm === 1 ? '' : 's'}, ` : '';
  return (
    `Each figure rests on ${units} run${units === 1 ? '' : 's'} per strategy, ${warmText}the strategy order ` +
    `rotated per run; intervals: paired bootstrap over the ${protocol.bootstrap_units}.`
  );
}

/** The table's caption: what every strategy shares, what speedup is measured against, how the figures were taken. */
function tableCaption(
  protocol: { complete_units: number; bootstrap_units: string } | null,
  comparison: ComparisonView | null,
): ReactNode {
  return (
    <>
      {comparison && comparison.prompts.length > 1
        ? `The same ${comparison.prompts.length} prompts and settings for every strategy`
        : 'The same prompt and settings for every strategy'}
      {comparison?.source === 'trace' ? ' (replayed from a trace file)' : ''}; speedup is against <code>ar</code> on the
      same prompts. {captionProtocol(protocol, comparison)}
    </>
  );
}

/** The compare view. */
export function ComparePanel() {
  const status = useApp((s) => s.compareStatus);
  const comparison = useApp((s) => s.comparison);
  const error = useApp((s) => s.compareError);
  const runBusy = useApp((s) => ['loading', 'running', 'waiting'].includes(s.runStatus) || s.baselineRunning);
  const startCompare = useApp((s) => s.startCompare);
  const stopCompare = useApp((s) => s.stopCompare);
  const showRun = useApp((s) => s.showComparisonRun);
  const blocker = useApp((s) => runBlocker(s, 'compare'));
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box, 1000);
  const runs = useMemo(() => comparison?.runs ?? [], [comparison]);
  const summary = useMemo(
    () =>
      comparisonBench(runs, {
        added: new Set(comparison?.added ?? []),
        stopped: status === 'stopped',
      }),
    [runs, comparison?.added, status],
  );
  const rows = useMemo(() => comparisonRows(summary.result), [summary]);
  // The latency profile the engine measured (live) or the trace carries: the page's summary has none of its own.
  const costResult = useMemo(
    () => summary.result && { ...summary.result, profile: comparison?.profile ?? summary.result.profile },
    [summary, comparison?.profile],
  );
  const protocol = summary.result?.protocol ?? null;
  const groups = useMemo(() => groupBySource(rows), [rows]);
  const bins = useMemo(() => calibrationBins(runs.filter((r) => r.strategy !== 'ar').flatMap((r) => r.steps)), [runs]);
  const active = status === 'loading' || status === 'running';
  // Two columns of charts on wide screens; each chart is drawn at its column's width (no scaling of text).
  const columns = width >= 860 ? 2 : 1;
  const chartWidth = Math.max(300, Math.floor((width - CHART_GAP * (columns - 1)) / columns));

  return (
    <section className="panel compare-panel" aria-label="Compare strategies">
      <h2>Compare strategies</h2>
      <StrategyList disabled={active} />
      <PromptList disabled={active} />
      <ProtocolFields disabled={active} />
      <div className="button-row">
        {active ? (
          <button type="button" className="primary" onClick={stopCompare} data-testid="compare-stop">
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => void startCompare()}
            disabled={runBusy || blocker !== null}
            title={blocker ?? undefined}
            data-testid="compare-run"
          >
            Run comparison
          </button>
        )}
        {blocker && !active && (
          <span className="run-blocker" data-testid="compare-blocker" role="status">
            {blocker}
          </span>
        )}
        <span className="status" aria-live="polite" data-testid="compare-status">
          {statusText(status, comparison)}
        </span>
        {comparison?.bench && !active && (
          <button type="button" onClick={() => saveBench(comparison)} data-testid="export-bench">
            Download results (JSON)
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {summary.note && (
        <p className="notice" data-testid="compare-note">
          {summary.note}
        </p>
      )}
      {rows.length > 0 && (
        <>
          {/* The caption as read on screen: above the scrolling table, so it wraps to the panel, not to the table. */}
          <p className="table-note" aria-hidden="true">
            {tableCaption(protocol, comparison)}
          </p>
          <div className="table-scroll" role="region" aria-label="Comparison table" tabIndex={0}>
            <table className="compare-table" data-testid="compare-table">
              <caption className="sr-only" data-testid="compare-caption">
                {tableCaption(protocol, comparison)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">strategy</th>
                  <th scope="col">source</th>
                  <th scope="col">budget</th>
                  <th scope="col">τ</th>
                  <th scope="col">tokens/s</th>
                  <th scope="col">speedup</th>
                  <th scope="col">95% interval</th>
                  <th scope="col">
                    <span className="sr-only">show</span>
                  </th>
                </tr>
              </thead>
              {groups.map((g) => (
                <tbody key={g.key} className="source-group" data-sources={g.key}>
                  {g.rows.map((r) => (
                    <tr key={r.strategy}>
                      <th scope="row">
                        <code>{r.strategy}</code>
                      </th>
                      <td className="source-cell">{g.key}</td>
                      <td>{fmt(r.budget, Number.isInteger(r.budget) ? 0 : 1)}</td>
                      <td>{fmt(r.tau)}</td>
                      <td>{fmt(r.tokensPerSecond, 1)}</td>
                      <td>{Number.isFinite(r.speedup) ? `${fmt(r.speedup)}×` : '—'}</td>
                      <td className="interval-cell">
                        {r.speedupCi ? `${fmt(r.speedupCi[0])}–${fmt(r.speedupCi[1])}` : '—'}
                      </td>
                      <td>
                        <button
                          type="button"
                          onClick={() => showRun(runs.findIndex((run) => run.strategy === r.strategy))}
                          disabled={active || runBusy}
                          aria-label={`Show the tree and output of ${r.strategy}`}
                        >
                          Show tree
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              ))}
            </table>
          </div>
        </>
      )}
      {costResult && !active && <CostPanel result={costResult} width={width} />}
      <div ref={box} className="chart-grid" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
        {rows.length > 0 && (
          <>
            <ChartFigure name="speedup" title="Speedup vs autoregressive">
              <SpeedupBarChart rows={rows} width={chartWidth} />
            </ChartFigure>
            <ChartFigure name="budget-speedup" title="Speedup vs node budget">
              <BudgetChart rows={rows} metric="speedup" width={chartWidth} />
            </ChartFigure>
            <ChartFigure name="budget-tau" title="τ vs node budget">
              <BudgetChart rows={rows} metric="tau" width={chartWidth} />
            </ChartFigure>
            <ChartFigure name="depth" title="Acceptance rate by depth">
              <DepthAcceptanceChart rows={rows} width={chartWidth} />
            </ChartFigure>
            <ChartFigure name="calibration" title="Draft calibration">
              <CalibrationChart bins={bins} width={Math.min(chartWidth, 420)} />
            </ChartFigure>
          </>
        )}
      </div>
    </section>
  );
}
