import { describe, expect, it } from 'vitest';
import { describeModelSource, parseModelSource } from '../../src/runtime/source';

describe('parseModelSource', () => {
  it('reads hub ids with and without hf: and a revision', () => {
    expect(parseModelSource('HuggingFaceTB/SmolLM2-135M')).toEqual({
      kind: 'hub',
      id: 'HuggingFaceTB/SmolLM2-135M',
      revision: 'main',
      endpoint: 'https://huggingface.co',
    });
    expect(parseModelSource(' hf:Qwen/Qwen2.5-0.5B@v1.0 ', { endpoint: 'http://127.0.0.1:1/' })).toEqual({
      kind: 'hub',
      id: 'Qwen/Qwen2.5-0.5B',
      revision: 'v1.0',
      endpoint: 'http://127.0.0.1:1',
    });
  });

  it('reads http(s) folders as URLs, with a trailing slash', () => {
    expect(parseModelSource('https://example.com/models/tiny')).toEqual({
      kind: 'url',
      url: 'https://example.com/models/tiny/',
    });
  });

  it('reads local-looking paths as paths in Node and as URLs in the browser', () => {
    expect(parseModelSource('./models/tiny', { runtime: 'node' })).toEqual({ kind: 'path', path: './models/tiny' });
    expect(parseModelSource('/data/m', { runtime: 'node' })).toEqual({ kind: 'path', path: '/data/m' });
    expect(parseModelSource('../m', { runtime: 'node' })).toEqual({ kind: 'path', path: '../m' });
    expect(parseModelSource('C:\\models\\m', { runtime: 'node' })).toEqual({ kind: 'path', path: 'C:\\models\\m' });
    expect(parseModelSource('file:///tmp/a%20b', { runtime: 'node' })).toEqual({ kind: 'path', path: '/tmp/a b' });
    expect(parseModelSource('/models/tiny', { runtime: 'browser' })).toEqual({ kind: 'url', url: '/models/tiny/' });
    expect(parseModelSource('./models/tiny', { runtime: 'browser', baseUrl: 'https://x.org/app/index.html' })).toEqual({
      kind: 'url',
      url: 'https://x.org/app/models/tiny/',
    });
  });

  it('rejects anything else with the accepted forms', () => {
    expect(() => parseModelSource('just-a-name')).toThrow(/cannot read model source "just-a-name": use a hub id/);
    expect(() => parseModelSource('C:\\m', { runtime: 'browser' })).toThrow(/cannot read model source/);
  });

  it('describes sources for display', () => {
    expect(describeModelSource(parseModelSource('a/b'))).toBe('a/b');
    expect(describeModelSource(parseModelSource('a/b@dev'))).toBe('a/b@dev');
    expect(describeModelSource({ kind: 'path', path: '/m' })).toBe('/m');
  });
});
