// @vitest-environment jsdom
/** The page with draft sources (in-process engine, fake pair whose target ships no datastore). */
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

function setup(hash: string): AppStore {
  client = createInProcessClient(fakeDeps());
  const store = createAppStore({ client, baseUrl: 'http://localhost/' });
  store.getState().applyHash(hash);
  render(<App store={store} />);
  return store;
}

/** A File jsdom can read (its File has no arrayBuffer(); browsers' does). */
function fileOf(name: string, content: Uint8Array): File {
  return Object.assign(new File([content.slice()], name), { arrayBuffer: async () => content.slice().buffer });
}

/** A text whose phrases the fake target repeats after "the cat" (so some corpus draft is accepted). */
const CORPUS = 'the cat sat on the mat. the dog sat on the log. the cat ate the rat.';

const checkbox = (name: string) => screen.getByLabelText(name) as HTMLInputElement;

describe('draft sources on the page', () => {
  it('offers the sources for speculative kinds only, composing the strategy text', () => {
    const store = setup('#strategy=chain%3A4');
    expect(checkbox('model').checked).toBe(true);
    expect(checkbox('model').disabled).toBe(true); // the only source on cannot be turned off
    fireEvent.click(checkbox('context'));
    expect(store.getState().settings.strategy).toBe('chain:4@context+model');
    fireEvent.click(checkbox('model'));
    expect(store.getState().settings.strategy).toBe('chain:4@context');
    expect(screen.getByTestId('strategy-text').textContent).toBe('chain:4@context');
    expect(screen.queryByTestId('datastore-picker')).toBeNull();
    fireEvent.change(screen.getByLabelText('Decoding strategy'), { target: { value: 'dyspec' } });
    expect(store.getState().settings.strategy).toBe('dyspec:16@context');
    fireEvent.change(screen.getByLabelText('Decoding strategy'), { target: { value: 'ar' } });
    expect(store.getState().settings.strategy).toBe('ar');
    expect(screen.queryByTestId('draft-sources')).toBeNull();
    // From a link: the boxes follow the text.
    act(() => store.getState().applyHash('#strategy=tree%3A2x2%40corpus%2Bmodel'));
    expect(checkbox('corpus').checked).toBe(true);
    expect(checkbox('context').checked).toBe(false);
    expect(screen.getByTestId('datastore-picker')).not.toBeNull();
  });

  it('blocks a @corpus run without a datastore, builds one from pasted text, and runs on it', async () => {
    const store = setup('#strategy=chain%3A4%40corpus&max_tokens=12&prompt=the%20cat&chat=0');
    const run = screen.getByTestId('run') as HTMLButtonElement;
    expect(run.disabled).toBe(false); // nothing known before the models load (the target may ship one)
    expect(screen.getByTestId('datastore-status').textContent).toMatch(/looked for when the models load/);
    fireEvent.click(screen.getByRole('button', { name: 'Load models' }));
    await waitFor(() => expect(screen.getByTestId('run-blocker').textContent).toMatch(/there is none/));
    expect(run.disabled).toBe(true);
    expect(run.getAttribute('aria-describedby')).toBe(screen.getByTestId('run-blocker').id);

    // Empty text: a clear error, nothing lost.
    fireEvent.click(screen.getByTestId('datastore-build'));
    await waitFor(() => expect(screen.getByTestId('datastore-error').textContent).toMatch(/the text is empty/));
    expect(store.getState().settings.prompt).toBe('the cat');

    fireEvent.change(screen.getByLabelText('Text to draft from'), {
      target: { value: CORPUS },
    });
    fireEvent.click(screen.getByTestId('datastore-build'));
    await waitFor(() =>
      expect(screen.getByTestId('datastore-status').textContent).toMatch(
        /^datastore: pasted text \(68 B\), 68 tokens, built in \d+ ms, < 0\.1 MiB$/,
      ),
    );
    expect(screen.queryByTestId('datastore-error')).toBeNull();
    expect(screen.queryByTestId('run-blocker')).toBeNull();
    fireEvent.click(run);
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('done'));
    const tree = screen.getByTestId('tree-box');
    expect(tree.querySelectorAll('g.node.source-corpus').length).toBeGreaterThan(0);
    expect(within(tree).getByText('corpus datastore (ring)')).not.toBeNull();
    expect(screen.getByTestId('output').querySelector('.token-stream-summary')!.textContent).toMatch(
      /accepted: corpus datastore \([1-9]\d*\)/,
    );
    expect(screen.getByTestId('output').querySelectorAll('.tok-src-corpus').length).toBeGreaterThan(0);

    // A file that is neither text nor a datastore: an error, the datastore and the run stay.
    const before = store.getState().run;
    const png = fileOf('photo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0xff]));
    await act(async () => {
      fireEvent.change(screen.getByTestId('datastore-file'), { target: { files: [png] } });
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(screen.getByTestId('datastore-error').textContent).toMatch(
      /photo\.png is neither a text file .* \(the datastore above is still in use\)/,
    );
    expect(screen.getByTestId('datastore-status').textContent).toMatch(/^datastore: pasted text/);
    expect(store.getState().run).toBe(before);
    fireEvent.click(within(screen.getByTestId('datastore-error')).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('datastore-error')).toBeNull();
  });

  it('groups the comparison table by source, with a source column', async () => {
    setup('#max_tokens=8&chat=0&compare=chain:2@context,ar,chain:2,dyspec:4@context');
    fireEvent.click(screen.getByRole('tab', { name: 'Compare strategies' }));
    fireEvent.click(screen.getByTestId('compare-run'));
    await waitFor(() => expect(screen.getByTestId('compare-status').textContent).toBe('done'), { timeout: 10_000 });
    const table = screen.getByTestId('compare-table');
    const groups = Array.from(table.querySelectorAll('tbody')).map((g) => g.getAttribute('data-sources'));
    expect(groups).toEqual(['target only', 'context', 'model']);
    const rows = Array.from(table.querySelectorAll('tbody tr')).map((tr) =>
      Array.from(tr.children)
        .slice(0, 2)
        .map((c) => c.textContent),
    );
    expect(rows).toEqual([
      ['ar', 'target only'],
      ['chain:2@context', 'context'],
      ['dyspec:4@context', 'context'],
      ['chain:2', 'model'],
    ]);
    const lines = screen.getByTestId('chart-budget-tau').querySelectorAll('path.series-line');
    expect(Array.from(lines).map((l) => l.getAttribute('class'))).toEqual([
      'series-line family-chain sources-context',
      'series-line family-chain',
      'series-line family-dyspec sources-context',
    ]);
    expect(lines[0].getAttribute('stroke-dasharray')).toBe('6 3');
    expect(screen.getByTestId('chart-budget-tau').textContent).toContain('chain @context');
  });
});
