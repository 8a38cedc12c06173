// @vitest-environment jsdom
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

function setup(hash = ''): AppStore {
  client = createInProcessClient(fakeDeps());
  const store = createAppStore({ client, baseUrl: 'http://localhost/' });
  store.getState().applyHash(hash);
  render(<App store={store} />);
  return store;
}

describe('the playground page (in-process engine)', () => {
  it('runs from the Run button: tree, output, metrics and backend badge', async () => {
    const store = setup('#strategy=dyspec%3A6&max_tokens=16&prompt=the%20cat&chat=0');
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'));
    const tree = screen.getByTestId('tree-box').querySelector('svg.tree-view-svg');
    expect(tree).not.toBeNull();
    expect(screen.getByTestId('backend-badge').textContent).toBe(
      'WASM · 1 thread: the host does not allow cross-origin isolation',
    );
    const run = store.getState().run!;
    expect(screen.getByTestId('output-text').textContent).toBe(run.text);
    expect(screen.getByTestId('step-shown').textContent).toBe(String(run.steps.length));
    expect(within(screen.getByTestId('metrics')).getByText('target calls').nextSibling?.textContent).toBe(
      String(run.steps.length),
    );
  });

  it('every form control has a label, and knobs follow the chosen strategy kind', () => {
    const store = setup();
    for (const el of document.querySelectorAll<HTMLInputElement>('input:not([type=file]), select, textarea')) {
      expect(el.labels?.length ?? 0, `${el.outerHTML} has no label`).toBeGreaterThan(0);
    }
    fireEvent.change(screen.getByLabelText('Decoding strategy'), { target: { value: 'tree' } });
    expect(store.getState().settings.strategy).toBe('tree:4x2x1');
    fireEvent.change(screen.getByLabelText('Branching vector'), { target: { value: '3x0' } });
    expect(screen.getByRole('alert').textContent).toMatch(/tree:3x0/);
    expect(store.getState().settings.strategy).toBe('tree:4x2x1');
    fireEvent.change(screen.getByLabelText('Branching vector'), { target: { value: '3x2' } });
    expect(store.getState().settings.strategy).toBe('tree:3x2');
    fireEvent.change(screen.getByLabelText('Decoding strategy'), { target: { value: 'sequoia' } });
    fireEvent.click(screen.getByLabelText('auto budget (measure this device)'));
    expect(store.getState().settings.strategy).toBe('sequoia:auto');
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '-3' } });
    expect(store.getState().settings.temperature).toBe(0);
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '0.8' } });
    expect(store.getState().settings.temperature).toBe(0.8);
  });

  it('switches views with the arrow keys on the tabs', () => {
    const store = setup();
    const runTab = screen.getByRole('tab', { name: 'Tree & output' });
    runTab.focus();
    fireEvent.keyDown(runTab, { key: 'ArrowRight' });
    expect(store.getState().view).toBe('compare');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Compare strategies' }));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    expect(store.getState().view).toBe('run');
  });

  it('shows a notice for invalid link values and uses the defaults', () => {
    setup('#temperature=hot&strategy=chain%3A3');
    const notice = screen.getByTestId('hash-notice');
    expect(notice.textContent).toMatch(/temperature: temperature must be a number/);
    expect(screen.getByTestId('strategy-text').textContent).toBe('chain:3');
    fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('hash-notice')).toBeNull();
  });

  it('a broken trace file shows the field at fault and keeps the run on screen', async () => {
    const store = setup('#max_tokens=8&chat=0');
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'));
    const before = store.getState().run;
    const content = '{"schemaVersion":1,"kind":"run","createdAt":5}';
    // jsdom's File has no text(); browsers' does.
    const bad = Object.assign(new File([content], 'broken.json', { type: 'application/json' }), {
      text: async () => content,
    });
    await act(async () => {
      fireEvent.change(screen.getByTestId('import-trace'), { target: { files: [bad] } });
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(screen.getByTestId('import-error').textContent).toMatch(/broken\.json: createdAt/);
    expect(store.getState().run).toBe(before);
  });

  it('runs a comparison and draws the four charts', async () => {
    setup('#max_tokens=10&chat=0&compare=ar,chain:2,tree:2x2,sequoia:4,dyspec:4');
    fireEvent.click(screen.getByRole('tab', { name: 'Compare strategies' }));
    fireEvent.click(screen.getByTestId('compare-run'));
    await waitFor(() => expect(screen.getByTestId('compare-status').textContent).toBe('done'), { timeout: 10_000 });
    expect(screen.getByTestId('compare-table').querySelectorAll('tbody tr')).toHaveLength(5);
    for (const name of ['speedup', 'budget-speedup', 'budget-tau', 'depth', 'calibration']) {
      expect(screen.getByTestId(`chart-${name}`).querySelector('svg'), name).not.toBeNull();
    }
  });
});
