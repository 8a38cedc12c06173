// @vitest-environment jsdom
/** The run's one-line summary, with the ar baseline measured automatically after a speculative run. */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Metrics } from '../../src/core/metrics';
import { createAppStore } from '../../src/store/store';
import { App } from '../../src/ui/App';
import { runSummaryLine } from '../../src/ui/layout/run-summary';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps } from '../worker/fake-pair';

let client: EngineClient | null = null;
afterEach(() => {
  cleanup();
  client?.dispose();
});

const metrics = (o: Partial<Metrics>): Metrics =>
  ({ tokens_per_second: 100, tokens_emitted: 64, draft_n: 40, draft_n_accepted: 30, ...o }) as Metrics;

describe('runSummaryLine', () => {
  it('speed, tokens, share of draft tokens accepted, and the speedup once ar is measured', () => {
    expect(runSummaryLine(metrics({}), 'chain:2', { tokensPerSecond: 80 })).toBe(
      '100.0 tokens/s · 64 tokens · 75% of draft tokens accepted · 1.25× vs ar (one run each)',
    );
    expect(runSummaryLine(metrics({}), 'chain:2', 'measuring')).toMatch(/accepted · measuring ar…$/);
    expect(runSummaryLine(metrics({}), 'chain:2', null)).toMatch(/accepted$/);
    expect(runSummaryLine(metrics({ draft_n: 0 }), 'ar', null)).toBe('100.0 tokens/s · 64 tokens · the ar baseline');
    expect(runSummaryLine(metrics({ draft_n: 0, tokens_emitted: 1 }), 'chain:1', null)).toMatch(
      /1 token · no draft tokens$/,
    );
  });
});

describe('the page measures the baseline by itself', () => {
  it('a speculative run ends with its speedup vs ar in the summary line, no button pressed', async () => {
    client = createInProcessClient(fakeDeps());
    const generate = vi.spyOn(client, 'generate');
    const arRuns = (): number => generate.mock.calls.filter(([req]) => req.strategy === 'ar').length;
    const store = createAppStore({ client, baseUrl: 'http://localhost/' });
    store.getState().applyHash('#strategy=dyspec%3A6&max_tokens=12&prompt=the%20cat&chat=0');
    render(<App store={store} />);
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'), { timeout: 10_000 });
    const line = screen.getByTestId('run-summary').textContent!;
    expect(line).toMatch(/^\d+\.\d tokens\/s · 12 tokens · \d+% of draft tokens accepted · \d+\.\d\d× vs ar/);
    expect(screen.getByTestId('speedup').textContent).toMatch(/^\d+\.\d\d×$/);
    expect(Object.keys(store.getState().baselines)).toHaveLength(1);
    expect(arRuns()).toBe(1);
    // The same settings again: the baseline is reused, not measured twice.
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'), { timeout: 10_000 });
    expect(arRuns()).toBe(1);
    expect(generate).toHaveBeenCalledTimes(3);
  });
});
