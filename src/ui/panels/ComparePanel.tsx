/**
 * Compare view: run a list of strategies on the same prompt and settings, then chart them: speedup vs
 * autoregressive per strategy, tau and speedup vs node budget (fixed and dynamic trees as separate lines, and one
 * line per set of draft sources), acceptance rate by depth, and the draft's calibration (draft probability vs
 * observed acceptance). The table groups the strategies by where they draft from (a `source` column).
 */
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { datastoreBlocker } from '../../store/datastore-slice';
import { useApp } from '../../store/store';
import { BudgetChart, CalibrationChart, DepthAcceptanceChart, SpeedupBarChart } from '../charts';
import { calibrationBins } from '../layout/calibration';
import { groupBySource } from '../layout/comparison';
import { comparisonRows } from './comparison-rows';
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

/** The compare view. */
export function ComparePanel() {
  const status = useApp((s) => s.compareStatus);
  const comparison = useApp((s) => s.comparison);
  const error = useApp((s) => s.compareError);
  const runBusy = useApp((s) => ['loading', 'running', 'waiting'].includes(s.runStatus) || s.baselineRunning);
  const startCompare = useApp((s) => s.startCompare);
  const stopCompare = useApp((s) => s.stopCompare);
  const showRun = useApp((s) => s.showComparisonRun);
  const blocker = useApp((s) => datastoreBlocker(s.settings.compare.split(','), s));
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box, 1000);
  const runs = useMemo(() => comparison?.runs ?? [], [comparison]);
  const rows = useMemo(() => comparisonRows(runs), [runs]);
  const groups = useMemo(() => groupBySource(rows), [rows]);
  const bins = useMemo(() => calibrationBins(runs.filter((r) => r.strategy !== 'ar').flatMap((r) => r.steps)), [runs]);
  const active = status === 'loading' || status === 'running';
  const total = comparison ? comparison.strategies.length * comparison.prompts.length : 0;
  // Two columns of charts on wide screens; each chart is drawn at its column's width (no scaling of text).
  const columns = width >= 860 ? 2 : 1;
  const chartWidth = Math.max(300, Math.floor((width - CHART_GAP * (columns - 1)) / columns));

  return (
    <section className="panel compare-panel" aria-label="Compare strategies">
      <h2>Compare strategies</h2>
      <StrategyList disabled={active} />
      <PromptList disabled={active} />
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
          {status === 'running' && comparison
            ? `running ${Math.min(runs.length + 1, total)} of ${total}…`
            : status === 'loading'
              ? 'loading models…'
              : status === 'idle'
                ? ''
                : status}
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="compare-table" data-testid="compare-table">
            <caption>
              {comparison && comparison.prompts.length > 1
                ? `The same ${comparison.prompts.length} prompts and settings for every strategy (pooled)`
                : 'The same prompt and settings for every strategy'}
              {comparison?.source === 'trace' ? ' (replayed from a trace file)' : ''}; speedup is against{' '}
              <code>ar</code>.
            </caption>
            <thead>
              <tr>
                <th scope="col">strategy</th>
                <th scope="col">source</th>
                <th scope="col">budget</th>
                <th scope="col">τ</th>
                <th scope="col">tokens/s</th>
                <th scope="col">speedup</th>
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
      )}
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
