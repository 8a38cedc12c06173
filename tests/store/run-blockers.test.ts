import { afterEach, describe, expect, it } from 'vitest';
import {
  describeInvalid,
  FIELD_NAMES,
  FIELDS_READ,
  invalidFields,
  invalidFieldsReason,
  runBlocker,
  type InvalidInputs,
} from '../../src/store/run-blockers';
import { DEFAULT_SETTINGS, SETTING_CHECKS, type Settings } from '../../src/store/settings';
import { createAppStore, type AppStore } from '../../src/store/store';
import { createInProcessClient, type EngineClient } from '../../src/worker/client';
import { fakeDeps } from '../worker/fake-pair';

/** The refused input a field would record for `raw`, with the real check's message. */
function refused<K extends keyof Settings>(field: K, raw: unknown): InvalidInputs {
  const checked = SETTING_CHECKS[field](raw);
  if (checked.ok) throw new Error(`${String(raw)} is a valid ${field}`);
  return { [field]: { raw: String(raw), error: checked.error } };
}

const state = (invalidInputs: InvalidInputs, settings: Partial<Settings> = {}) => ({
  invalidInputs,
  settings: { ...DEFAULT_SETTINGS, ...settings },
  loaded: null,
  datastore: null,
  datastoreStatus: { kind: 'none' } as const,
});

describe('invalid fields (one rule for every run button)', () => {
  it('lists the refused fields a purpose reads, in page order, each naming its field', () => {
    const inputs = { ...refused('maxNewTokens', -5), ...refused('temperature', 9), ...refused('strategy', 'tree:0') };
    const run = invalidFields(inputs, 'run');
    expect(run.map((f) => f.field)).toEqual(['strategy', 'temperature', 'maxNewTokens']);
    for (const f of run) expect(describeInvalid(f).toLowerCase()).toContain(FIELD_NAMES[f.field]);
    expect(describeInvalid(run[2])).toBe('max new tokens must be between 1 and 1024, got -5');
    // The baseline runs `ar`: the strategy field does not stop it; the sampling fields do.
    expect(invalidFields(inputs, 'baseline').map((f) => f.field)).toEqual(['temperature', 'maxNewTokens']);
  });

  it('keeps comparison-only fields from blocking Run, and blocks the comparison on them', () => {
    const inputs = { ...refused('compareRepeats', 0), ...refused('compareSweep', 'x') };
    expect(invalidFields(inputs, 'run')).toEqual([]);
    expect(invalidFieldsReason(inputs, 'run')).toBeNull();
    const reason = invalidFieldsReason(inputs, 'compare');
    expect(reason).toMatch(/^invalid fields: repeats must be between 1 and 20, got 0; sweep budgets/);
  });

  it('puts the field name in front of a message that does not start with it', () => {
    const f = { field: 'compare', name: FIELD_NAMES.compare, error: 'strategy "x": unknown kind' } as const;
    expect(describeInvalid(f)).toBe('strategies to compare: strategy "x": unknown kind');
  });

  it('reads every setting in some purpose, and names every setting', () => {
    const read = new Set(Object.values(FIELDS_READ).flat());
    for (const field of Object.keys(DEFAULT_SETTINGS)) {
      expect(read.has(field as keyof Settings), field).toBe(true);
      expect(FIELD_NAMES[field as keyof Settings], field).toMatch(/^[a-z]/);
    }
  });

  it('blocks on invalid fields before the datastore, and on the datastore when the fields are fine', () => {
    const building = { kind: 'building', label: 'x', stage: 'tokenize', fraction: 0 } as const;
    const corpus = { ...state({}, { strategy: 'chain:4@corpus' }), datastoreStatus: building };
    expect(runBlocker(corpus, 'run')).toMatch(/chain:4@corpus waits for the corpus datastore/);
    expect(runBlocker(corpus, 'baseline')).toBeNull();
    const both = { ...corpus, invalidInputs: refused('seed', 1.5) };
    expect(runBlocker(both, 'run')).toBe('invalid field: seed must be a whole number, got 1.5');
    expect(runBlocker(state({}), 'run')).toBeNull();
  });
});

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

function makeStore(): AppStore {
  client = createInProcessClient(fakeDeps());
  return createAppStore({ client, baseUrl: 'http://localhost/' });
}

describe('the settings slice records refused inputs', () => {
  it('keeps the text and message of a refused value until a valid one, a link or a reset', () => {
    const store = makeStore();
    expect(store.getState().setSetting('maxNewTokens', -5, '-5')).toMatch(/max new tokens/);
    expect(store.getState().settings.maxNewTokens).toBe(DEFAULT_SETTINGS.maxNewTokens);
    expect(store.getState().invalidInputs.maxNewTokens?.raw).toBe('-5');
    expect(runBlocker(store.getState(), 'run')).toMatch(/^invalid field: max new tokens/);
    expect(store.getState().setSetting('maxNewTokens', 7)).toBeNull();
    expect(store.getState().invalidInputs).toEqual({});
    expect(store.getState().settings.maxNewTokens).toBe(7);

    store.getState().setSetting('temperature', 9);
    store.getState().applyHash('#seed=3');
    expect(store.getState().invalidInputs).toEqual({});
    store.getState().setSetting('temperature', 9);
    store.getState().resetSettings();
    expect(store.getState().invalidInputs).toEqual({});
  });

  it('a valid value equal to the stored one still clears the refused input', () => {
    const store = makeStore();
    store.getState().setSetting('topK', -1);
    expect(store.getState().invalidInputs.topK).toBeDefined();
    const settings = store.getState().settings;
    store.getState().setSetting('topK', DEFAULT_SETTINGS.topK);
    expect(store.getState().invalidInputs.topK).toBeUndefined();
    expect(store.getState().settings).toBe(settings);
  });
});
