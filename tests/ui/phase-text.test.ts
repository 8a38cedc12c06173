import { describe, expect, it } from 'vitest';
import { downloadedText, phaseText } from '../../src/ui/output/phase-text';

const MB = 1024 * 1024;

describe('phase text', () => {
  it('says what the engine does and how far along it is', () => {
    expect(phaseText({ kind: 'profiling', role: 'target', done: 37, total: 145 })).toBe('profiling target t(n) 37/145');
    expect(phaseText({ kind: 'warmup', round: 2 })).toBe('warming up (round 2)');
    expect(phaseText({ kind: 'loading' })).toBe('loading models');
  });

  it('adds the bytes read of the files whose size is known while loading', () => {
    const files = [
      { role: 'target' as const, file: 'model.safetensors', loaded: 3 * MB, total: 11 * MB, fromCache: false },
      { role: 'draft' as const, file: 'model.safetensors', loaded: 1 * MB, total: 1 * MB, fromCache: true },
      { role: 'draft' as const, file: 'config.json', loaded: 600, total: null, fromCache: false },
    ];
    expect(downloadedText(files)).toBe('4.0 of 12.0 MB');
    expect(phaseText({ kind: 'loading' }, files)).toBe('loading models: 4.0 of 12.0 MB');
    expect(downloadedText([files[2]])).toBeNull();
  });
});
