import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/store/settings';
import { decodeSettingsHash, encodeSettingsHash } from '../../src/store/url-hash';

const CUSTOM: Settings = {
  ...DEFAULT_SETTINGS,
  preset: 'custom',
  draftId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
  targetId: 'HuggingFaceTB/SmolLM2-360M-Instruct',
  backend: 'wasm',
  strategy: 'sequoia:16:4',
  temperature: 0.7,
  topP: 0.9,
  topK: 40,
  seed: 123456,
  maxNewTokens: 99,
  prompt: 'Héllo & goodbye = "quotes" #hash\nnew line',
  chat: false,
  compare: 'ar,dyspec:8,dyspec-t:0.05:32',
  comparePrompts: 'first prompt\nsecond, with & and =',
};

describe('settings <-> URL hash', () => {
  it('round-trips every setting, including awkward prompt text', () => {
    const hash = encodeSettingsHash(CUSTOM);
    expect(hash.startsWith('#')).toBe(true);
    const decoded = decodeSettingsHash(hash);
    expect(decoded.settings).toEqual(CUSTOM);
    expect(decoded.notices).toEqual([]);
  });

  it('round-trips the defaults, and an empty hash means the defaults without notices', () => {
    expect(decodeSettingsHash(encodeSettingsHash(DEFAULT_SETTINGS)).settings).toEqual(DEFAULT_SETTINGS);
    expect(decodeSettingsHash('')).toEqual({ settings: DEFAULT_SETTINGS, notices: [], present: false });
    expect(decodeSettingsHash('#').present).toBe(false);
  });

  it('leaves custom ids out of the hash for presets', () => {
    const hash = encodeSettingsHash({ ...DEFAULT_SETTINGS, draftId: 'x/y', targetId: 'x/z' });
    expect(hash).not.toContain('draft=');
  });

  it('replaces each invalid value by its default and says which key was wrong', () => {
    const { settings, notices } = decodeSettingsHash(
      '#strategy=dyspec%3A0&temperature=-1&top_p=0&seed=1.5&max_tokens=abc&backend=cuda&model=nope&chat=maybe&top_k=2&prompt=ok',
    );
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, topK: 2, prompt: 'ok' });
    const keys = notices.map((n) => n.split(':')[0]);
    expect(keys).toEqual(['model', 'backend', 'strategy', 'temperature', 'top_p', 'seed', 'max_tokens', 'chat']);
    expect(notices.join('\n')).toMatch(/strategy: strategy "dyspec:0"/);
    expect(notices.join('\n')).toMatch(/temperature must be between 0 and 5, got -1/);
  });

  it('never throws on garbage and reports unknown keys', () => {
    for (const junk of ['#%%%', '#=&=&', '#a=1&b', '#strategy', '#' + 'x'.repeat(10000), '#compare=,,,']) {
      const d = decodeSettingsHash(junk);
      expect(d.settings.strategy).toBeTypeOf('string');
    }
    expect(decodeSettingsHash('#foo=1').notices).toEqual(['unknown setting "foo" in the link was ignored']);
    expect(decodeSettingsHash('#compare=ar,%20,chain:x').notices[0]).toMatch(/^compare: /);
  });

  it('falls back to the bundled pair when a custom pair lacks an id', () => {
    const d = decodeSettingsHash('#model=custom&draft=a%2Fb');
    expect(d.settings.preset).toBe('bundled');
    expect(d.notices[0]).toMatch(/custom needs both/);
  });
});
