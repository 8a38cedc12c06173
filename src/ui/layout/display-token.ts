/**
 * Turning a model token's text into something a human can see: whitespace and control characters are replaced by
 * visible symbols so that a space token, a newline token and an empty token do not all look blank in the tree.
 */

const VISIBLE: Record<string, string> = {
  ' ': '␣',
  '\n': '⏎',
  '\r': '␍',
  '\t': '⇥',
  '\u00a0': '⍽',
};

/** Code points that render as nothing (C0/C1 controls, zero-width and bidi controls), shown as `⟨U+XXXX⟩`. */
function isInvisible(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    cp === 0xfeff
  );
}

/**
 * A visible rendering of a token's text: spaces become `␣`, newlines `⏎`, tabs `⇥`, carriage returns `␍`,
 * non-breaking spaces `⍽`, other control or zero-width characters `⟨U+XXXX⟩`, and the empty string `∅`.
 * The result is plain text, meant for React text nodes or d3 `.text()`.
 * @param text the token's decoded text
 * @param maxChars cut the result to this many characters (code points), ending in `…`; 0 or undefined: no cut
 */
export function displayToken(text: string, maxChars?: number): string {
  if (text.length === 0) return '∅';
  let out = '';
  for (const ch of text) {
    const visible = VISIBLE[ch];
    if (visible !== undefined) out += visible;
    else {
      const cp = ch.codePointAt(0)!;
      out += isInvisible(cp) ? `⟨U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟩` : ch;
    }
  }
  if (maxChars !== undefined && maxChars > 0) {
    const chars = Array.from(out);
    if (chars.length > maxChars) return chars.slice(0, Math.max(1, maxChars - 1)).join('') + '…';
  }
  return out;
}

/**
 * Formats a probability for labels and tooltips: three significant decimals, `—` when unknown.
 * @param p a probability in [0, 1], or null / NaN when unknown
 */
export function formatProb(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p !== 0 && Math.abs(p) < 0.001) return p.toExponential(1);
  return p.toFixed(3);
}
