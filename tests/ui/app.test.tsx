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

describe('every control does what it says (in-process engine)', () => {
  it('an invalid comparison field disables Run comparison, naming the field', () => {
    setup('#max_tokens=8&chat=0&compare=ar,chain:2');
    fireEvent.click(screen.getByRole('tab', { name: 'Compare strategies' }));
    const run = screen.getByTestId('compare-run') as HTMLButtonElement;
    expect(run.disabled).toBe(false);
    fireEvent.change(screen.getByLabelText('Repeats'), { target: { value: '0' } });
    expect(run.disabled).toBe(true);
    expect(screen.getByTestId('compare-blocker').textContent).toMatch(/^invalid field: repeats /);
    fireEvent.change(screen.getByLabelText('Repeats'), { target: { value: '2' } });
    expect(run.disabled).toBe(false);
  });

  it('an invalid field disables Run and the baseline, naming the field, and a fix enables them again', () => {
    const store = setup('#max_tokens=8&chat=0');
    const run = screen.getByTestId('run') as HTMLButtonElement;
    const baseline = screen.getByTestId('baseline') as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('Max new tokens'), { target: { value: '-5' } });
    expect(run.disabled).toBe(true);
    expect(baseline.disabled).toBe(true);
    const reason = screen.getByTestId('run-blocker');
    expect(reason.textContent).toBe('invalid field: max new tokens must be between 1 and 1024, got -5');
    expect(run.getAttribute('title')).toBe(reason.textContent);
    expect(document.getElementById(run.getAttribute('aria-describedby')!)).toBe(reason);
    expect((screen.getByLabelText('Max new tokens') as HTMLInputElement).value).toBe('-5');
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '9' } });
    expect(screen.getByTestId('run-blocker').textContent).toMatch(/^invalid fields: temperature .*; max new tokens/);
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '0.5' } });
    fireEvent.change(screen.getByLabelText('Max new tokens'), { target: { value: '6' } });
    expect(run.disabled).toBe(false);
    expect(screen.queryByTestId('run-blocker')).toBeNull();
    expect(store.getState().settings.maxNewTokens).toBe(6);
  });

  it('a refused strategy disables Run but not the AR baseline; a pasted link drops the refused text', () => {
    const store = setup();
    fireEvent.change(screen.getByLabelText('Decoding strategy'), { target: { value: 'chain' } });
    fireEvent.change(screen.getByLabelText('Draft tokens γ'), { target: { value: '0' } });
    expect((screen.getByTestId('run') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('baseline') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId('run-blocker').textContent).toMatch(/^invalid field: strategy "chain:0"/);
    fireEvent.change(screen.getByLabelText('Seed'), { target: { value: '' } });
    act(() => store.getState().applyHash('#strategy=chain%3A3&seed=4'));
    expect((screen.getByTestId('run') as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByLabelText('Draft tokens γ') as HTMLInputElement).value).toBe('3');
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('4');
  });

  it('a prompt past the link limit is kept, with a note that the link leaves it out', () => {
    const store = setup();
    const long = 'x'.repeat(5000);
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: long } });
    expect(store.getState().settings.prompt).toBe(long);
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe(long);
    expect(screen.getByTestId('prompt-note').textContent).toMatch(/^5,000 characters: kept .* up to 4,000/);
  });

  it('says an empty prompt generates from BOS', () => {
    setup();
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: '' } });
    expect(screen.getByTestId('prompt-note').textContent).toMatch(/generates from its start token \(BOS\)/);
  });

  it('a run beyond the context shows its error in place of the tree and metrics', async () => {
    const store = setup('#max_tokens=100&chat=0');
    fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: 'ab'.repeat(2100) } });
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('failed'));
    expect(screen.getByTestId('run-failed').textContent).toMatch(/exceeds the models' context of 4096 positions/);
    expect(screen.queryByText('waiting for the first step…')).toBeNull();
    expect(screen.queryByTestId('metrics')).toBeNull();
    expect(screen.getByTestId('metrics-failed').textContent).toMatch(/failed before its first step/);
    expect(screen.queryByTestId('run-error')).toBeNull(); // once, in the run's place
    expect(store.getState().settings.prompt).toHaveLength(4200);
  });

  it('a failed load keeps the header on the last pair and offers the bundled pair at Run and in Models', async () => {
    client = createInProcessClient(
      fakeDeps({ failDraft: { source: 'org/gone', error: new Error('the Hugging Face hub could not be reached') } }),
    );
    const store = createAppStore({ client, baseUrl: 'http://localhost/' });
    store.getState().applyHash('#max_tokens=4&chat=0');
    render(<App store={store} />);
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'));
    expect(screen.getByTestId('pair-badge').textContent).toBe('fake-draft → fake-target');
    act(() => store.getState().applyHash('#max_tokens=4&chat=0&model=custom&draft=org%2Fgone&target=org%2Fgood'));
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('failed'));
    expect(screen.getByTestId('run-error').textContent).toMatch(/did not load.*hub could not be reached/);
    expect(screen.getByTestId('model-error').textContent).toMatch(/hub could not be reached/);
    expect(screen.getByTestId('pair-badge').textContent).toBe('last loaded: fake-draft → fake-target');
    expect(screen.getByTestId('backend-badge').textContent).toMatch(/^WASM · 1 thread/);
    fireEvent.click(screen.getByTestId('run-use-bundled'));
    await waitFor(() => expect(screen.getByTestId('model-status').textContent).toBe('loaded fake-draft → fake-target'));
    expect(screen.queryByTestId('run-error')).toBeNull();
    expect(screen.queryByTestId('use-bundled')).toBeNull();
    expect(screen.getByTestId('run-status').textContent).toBe('ready');
    expect(store.getState().settings.preset).toBe('bundled');
  });
});
