/**
 * The playground page: settings on the left (models, strategy, prompt and run controls), the run view (tree, output,
 * metrics) or the compare view on the right. The store comes from the caller, so tests render the same App over an
 * in-process engine.
 */
import { StrictMode, type KeyboardEvent } from 'react';
import { StoreContext, useApp, type AppStore } from '../store/store';
import { observedIsolation, type Isolation } from './cross-origin-isolation';
import { BackendBadge } from './panels/BackendBadge';
import { ComparePanel } from './panels/ComparePanel';
import { ViewBoundary } from './panels/ErrorBoundary';
import { MetricsPanel } from './panels/MetricsPanel';
import { ModelPicker } from './panels/ModelPicker';
import { Notices } from './panels/Notices';
import { RunPhase } from './output/RunPhase';
import { RunControls } from './panels/RunControls';
import { RunView } from './panels/RunView';
import { StrategyForm } from './panels/StrategyForm';
import { TraceButtons } from './panels/TraceButtons';

const VIEWS = ['run', 'compare'] as const;

/** Run / Compare tabs (arrow keys move between them, as in the WAI-ARIA tabs pattern). */
function ViewTabs() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const next = VIEWS[(VIEWS.indexOf(view) + (e.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length];
    setView(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="View" onKeyDown={onKeyDown}>
      {VIEWS.map((v) => (
        <button
          key={v}
          type="button"
          role="tab"
          id={`tab-${v}`}
          aria-selected={view === v}
          tabIndex={view === v ? 0 : -1}
          aria-controls={`view-${v}`}
          className={view === v ? 'tab tab-active' : 'tab'}
          onClick={() => setView(v)}
        >
          {v === 'run' ? 'Tree & output' : 'Compare strategies'}
        </button>
      ))}
    </div>
  );
}

function Layout({ isolation }: { isolation: Isolation }) {
  const view = useApp((s) => s.view);
  const locked = useApp((s) => ['running', 'waiting'].includes(s.runStatus) || s.compareStatus === 'running');
  return (
    <div className="app">
      <header className="app-header">
        <h1>Speculative decoding playground</h1>
        <p className="tagline">Draft and target models in your browser: token trees, verification, speedups.</p>
        <BackendBadge isolation={isolation} />
      </header>
      <main className="app-main">
        <aside className="sidebar" aria-label="Settings">
          <ModelPicker disabled={locked} />
          <StrategyForm disabled={locked} />
        </aside>
        <div className="content">
          <RunControls />
          <RunPhase />
          <Notices />
          <div className="toolbar">
            <ViewTabs />
            <TraceButtons />
          </div>
          {view === 'run' ? (
            <div id="view-run" role="tabpanel" aria-labelledby="tab-run" className="run-layout">
              <ViewBoundary name="tree and output">
                <RunView />
              </ViewBoundary>
              <ViewBoundary name="metrics">
                <MetricsPanel />
              </ViewBoundary>
            </div>
          ) : (
            <div id="view-compare" role="tabpanel" aria-labelledby="tab-compare">
              <ViewBoundary name="compare">
                <ComparePanel />
              </ViewBoundary>
            </div>
          )}
        </div>
      </main>
    </div>
  );
}

/**
 * The whole page over a store.
 * @param isolation what `ensureCrossOriginIsolation` found (default: as observed now), for the backend badge
 */
export function App({ store, isolation = observedIsolation() }: { store: AppStore; isolation?: Isolation }) {
  return (
    <StrictMode>
      <StoreContext.Provider value={store}>
        <Layout isolation={isolation} />
      </StoreContext.Provider>
    </StrictMode>
  );
}
