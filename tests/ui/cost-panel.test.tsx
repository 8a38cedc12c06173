// @vitest-environment jsdom
/** The "Why this speed" panel and the projection after a real comparison (in-process engine, fake pair). */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, type AppStore } from '../../src/store/store';
import { App } from '../../src/ui/App';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps } from '../worker/fake-pair';

let client: EngineClient | null = null;
afterEach(() => {
  cleanup();
  client?.dispose();
});

let store: AppStore;

async function compared(): Promise<HTMLElement> {
  client = createInProcessClient(fakeDeps());
  store = createAppStore({ client, baseUrl: 'http://localhost/' });
  store.getState().applyHash('#max_tokens=10&chat=0&compare=ar,chain:2,tree:2x2,dyspec:4');
  render(<App store={store} />);
  fireEvent.click(screen.getByRole('tab', { name: 'Compare strategies' }));
  fireEvent.click(screen.getByTestId('compare-run'));
  await waitFor(() => expect(screen.getByTestId('compare-status').textContent).toBe('done'), { timeout: 10_000 });
  return screen.getByTestId('cost-panel');
}

const cells = (row: Element): string[] => [...row.querySelectorAll('th, td')].map((c) => c.textContent ?? '');

describe('why this speed', () => {
  it('decomposes every strategy, names the culprit of each one slower than ar, and draws the profile', async () => {
    const panel = await compared();
    const rows = [...within(panel).getByTestId('cost-table').querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-strategy'))).toEqual(['ar', 'chain:2', 'tree:2x2', 'dyspec:4']);
    // ar: one token per step at exactly the cost of an ar step.
    expect(cells(rows[0]).slice(0, 2)).toEqual(['ar', '1.00']);
    // Predicted from the engine's measured profile, next to observed, for every row.
    for (const r of rows) expect(cells(r)[5]).toMatch(/^\d+\.\d\d×$/);
    const observed = rows.map((r) => cells(r)[6]);
    const slower = observed.map((v, i) => ({ v: parseFloat(v), s: rows[i].getAttribute('data-strategy') }));
    const verdicts = within(panel).getByTestId('verdicts').querySelectorAll('li');
    expect(verdicts.length).toBe(slower.filter((r) => r.s !== 'ar' && r.v < 1).length);
    for (const li of verdicts)
      expect(li.textContent).toMatch(/is slower than ar: .*(verify|draft|host|outside|accepted)/);
    const chart = panel.querySelector('svg.cost-chart')!;
    expect(chart.querySelectorAll('path.cost-line').length).toBeGreaterThanOrEqual(1);
  });

  it('projects to a GPU-like profile, labelled as a projection, and exports the server tree', async () => {
    const panel = await compared();
    const projection = within(panel).getByTestId('projection');
    expect(projection.textContent).toMatch(/not measured/);
    fireEvent.click(within(projection).getByLabelText('GPU-like'));
    const table = within(projection).getByTestId('projection-table');
    expect(table.querySelector('caption')!.textContent).toMatch(/^Projected under GPU-like/);
    // Flat verify up to 64 tokens and a draft at 0.1x: every strategy projects above 1 when its tau does.
    const ar = [...table.querySelectorAll('tbody tr')].find((r) => cells(r)[0] === 'ar')!;
    expect(cells(ar)[3]).toBe('1.00×');
    fireEvent.change(within(projection).getByLabelText('draft / target cost'), { target: { value: '-1' } });
    expect(within(projection).getByTestId('projection-error').textContent).toMatch(/draft cost ratio/);
    fireEvent.change(within(projection).getByLabelText('draft / target cost'), { target: { value: '0.1' } });
    const tree = within(projection).getByTestId('vllm-tree').textContent!;
    expect(JSON.parse(tree)).toMatchObject({ num_speculative_tokens: 8 });
    expect(JSON.parse(tree).speculative_token_tree).toMatch(/^\[\(0,\)/);
    expect(within(projection).getByTestId('sglang-flags').textContent).toMatch(/--speculative-num-draft-tokens 9/);
  });

  it('a bad profile file says what is wrong and keeps the projection it had', async () => {
    const panel = await compared();
    const projection = within(panel).getByTestId('projection');
    fireEvent.click(within(projection).getByLabelText('profile file'));
    const input = projection.querySelector('input[type=file]')!;
    const bad = Object.assign(new File(['{"sizes": []}'], 'p.json'), { text: async () => '{"sizes": []}' });
    await act(async () => {
      fireEvent.change(input, { target: { files: [bad] } });
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(projection.textContent).toMatch(/p\.json: .*"sizes" must be a non-empty list/);
    const good = JSON.stringify({ sizes: [1, 8], models: [{ role: 'target', ms: [2, 2.5] }] });
    const file = Object.assign(new File([good], 'gpu.json'), { text: async () => good });
    await act(async () => {
      fireEvent.change(input, { target: { files: [file] } });
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(within(projection).getByTestId('projection-table').querySelector('caption')!.textContent).toBe(
      'Projected under gpu.json',
    );
  });

  it('a comparison trace carries the profile, so its replay is explained the same way', async () => {
    const panel = await compared();
    const predicted = [...within(panel).getByTestId('cost-table').querySelectorAll('tbody tr')].map((r) => cells(r)[5]);
    const text = store.getState().exportComparisonTrace()!;
    expect(JSON.parse(text).profile.target.sizes.length).toBeGreaterThan(1);
    cleanup();
    client?.dispose();
    client = createInProcessClient(fakeDeps());
    const replay = createAppStore({ client, baseUrl: 'http://localhost/' });
    render(<App store={replay} />);
    let ok = false;
    act(() => {
      ok = replay.getState().importTrace(text, 'cmp.json');
    });
    expect(ok).toBe(true);
    const rows = await screen.findByTestId('cost-table');
    expect([...rows.querySelectorAll('tbody tr')].map((r) => cells(r)[5])).toEqual(predicted);
  });
});
