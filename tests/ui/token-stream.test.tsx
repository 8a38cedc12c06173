// @vitest-environment jsdom
import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenStream } from '../../src/ui/output/TokenStream';
import { SOURCE_BACKGROUNDS, SOURCE_COLORS, TOKEN_BACKGROUNDS } from '../../src/ui/theme';
import { EVIL, mixedStep, rootOnlyStep, sampleStep, tokenText } from './layout-fixtures';

afterEach(cleanup);

const steps = () => [sampleStep(0), rootOnlyStep(1, 15), sampleStep(2, { emitted: [11, 14] })];

describe('TokenStream', () => {
  it('renders the prompt then each token, coloured by origin', () => {
    const { container } = render(
      <TokenStream
        promptText="Once"
        steps={steps()}
        tokenText={tokenText}
        selectedStep={null}
        onSelectStep={() => {}}
      />,
    );
    expect(container.querySelector('.tok-prompt')!.textContent).toBe('Once');
    const toks = Array.from(container.querySelectorAll('.tok'));
    expect(toks.map((t) => t.className)).toEqual([
      'tok tok-accepted tok-src-model',
      'tok tok-accepted tok-src-model',
      'tok tok-bonus',
      'tok tok-bonus',
      'tok tok-accepted tok-src-model',
      'tok tok-accepted tok-src-model',
    ]);
    expect(toks.map((t) => t.getAttribute('data-step'))).toEqual(['0', '0', '0', '1', '2', '2']);
    expect(container.querySelector('.token-stream-text')!.textContent).toBe(`Once cat\n mat${EVIL} cat\n`);
    expect(container.querySelector('img')).toBeNull();
    const accepted = toks[0] as HTMLElement;
    const bonus = toks[2] as HTMLElement;
    expect(accepted.style.background).not.toBe(bonus.style.background);
    expect(container.querySelector('.token-stream-summary')!.textContent).toMatch(/accepted: draft model \(4\)/);
  });

  it('calls onSelectStep on click and Enter, and highlights on hover / focus', () => {
    const onSelect = vi.fn();
    const { container, rerender } = render(
      <TokenStream
        promptText="Once"
        steps={steps()}
        tokenText={tokenText}
        selectedStep={null}
        onSelectStep={onSelect}
      />,
    );
    const toks = container.querySelectorAll('.tok');
    fireEvent.click(toks[3]);
    expect(onSelect).toHaveBeenLastCalledWith(1);
    fireEvent.keyDown(toks[4], { key: 'Enter' });
    expect(onSelect).toHaveBeenLastCalledWith(2);
    fireEvent.keyDown(toks[4], { key: 'a' });
    fireEvent.click(container.querySelector('.tok-prompt')!);
    expect(onSelect).toHaveBeenCalledTimes(2);

    fireEvent.mouseOver(toks[1]);
    expect(container.querySelector('.step-highlighted')!.getAttribute('data-step')).toBe('0');
    fireEvent.focus(toks[5]);
    expect(container.querySelector('.step-highlighted')!.getAttribute('data-step')).toBe('2');
    fireEvent.mouseLeave(container.querySelector('.token-stream-text')!);
    expect(container.querySelector('.step-highlighted')).toBeNull();

    rerender(
      <TokenStream promptText="Once" steps={steps()} tokenText={tokenText} selectedStep={1} onSelectStep={onSelect} />,
    );
    expect(container.querySelector('.step-selected')!.getAttribute('data-step')).toBe('1');
    expect(toks[3].getAttribute('tabindex')).toBe('0');
    expect(toks[3].getAttribute('aria-pressed')).toBe('true');
  });

  it('colours accepted tokens by the source that drew them, keeps the bonus colour, and says which is which', () => {
    const { container } = render(
      <TokenStream
        promptText="Once"
        steps={[mixedStep(0), sampleStep(1)]}
        tokenText={tokenText}
        selectedStep={null}
        onSelectStep={() => {}}
      />,
    );
    const toks = Array.from(container.querySelectorAll<HTMLElement>('.tok'));
    expect(toks.map((t) => t.getAttribute('data-source'))).toEqual([
      'context',
      'corpus',
      'target',
      'model',
      'model',
      'target',
    ]);
    expect(toks[0].className).toBe('tok tok-accepted tok-src-context');
    const bg = (color: string) => {
      const probe = document.createElement('span');
      probe.style.background = color;
      return probe.style.background;
    };
    expect(toks[0].style.background).toBe(bg(SOURCE_BACKGROUNDS.context));
    expect(toks[1].style.background).toBe(bg(SOURCE_BACKGROUNDS.corpus));
    expect(toks[2].style.background).toBe(bg(TOKEN_BACKGROUNDS.bonus));
    expect(toks[3].style.background).toBe(bg(SOURCE_BACKGROUNDS.model));
    expect(new Set([SOURCE_COLORS.context, SOURCE_COLORS.corpus, SOURCE_COLORS.model]).size).toBe(3);
    expect(toks[0].getAttribute('title')).toBe('step 0 · accepted draft token (context lookup) · id 11');
    const legend = container.querySelector('.token-stream-summary')!.textContent!;
    expect(legend).toContain('accepted: context lookup (1)');
    expect(legend).toContain('accepted: corpus datastore (1)');
    expect(legend).toContain('accepted: draft model (2)');
    expect(legend).toContain('target (bonus) token (2)');
    expect(legend.indexOf('context')).toBeLessThan(legend.indexOf('corpus'));
  });
});
