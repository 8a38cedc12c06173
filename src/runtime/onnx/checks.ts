/**
 * Argument checks of the LanguageModel contract, shared by the ONNX model and the TypeScript reference so both
 * reject bad calls with the same messages (each names the offending value).
 */

/** Validates one forward call against the current cache length; throws a RangeError naming the bad value. */
export function checkForwardArgs(
  tokens: ArrayLike<number>,
  positions: ArrayLike<number>,
  bias: Float32Array,
  past: number,
  limits: { vocabSize: number; maxPositions: number },
): void {
  const n = tokens.length;
  if (n === 0) throw new RangeError('forward needs at least one token, got 0');
  if (positions.length !== n) {
    throw new RangeError(`forward: ${n} tokens but ${positions.length} positions (they must match)`);
  }
  const expected = n * (past + n);
  if (bias.length !== expected) {
    throw new RangeError(
      `forward: attention bias has ${bias.length} values, expected n * (past + n) = ${n} * (${past} + ${n}) = ${expected}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= limits.vocabSize) {
      throw new RangeError(`forward: token ${t} at index ${i} is outside the vocabulary [0, ${limits.vocabSize})`);
    }
    const p = positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= limits.maxPositions) {
      throw new RangeError(
        `forward: position ${p} at index ${i} is outside [0, maxPositions = ${limits.maxPositions})`,
      );
    }
  }
}

/** Validates the rows passed to commit; throws a RangeError naming the bad row. */
export function checkKeep(keep: readonly number[], rows: number): void {
  for (let j = 0; j < keep.length; j++) {
    const r = keep[j];
    if (!Number.isInteger(r) || r < 0 || r >= rows) {
      throw new RangeError(`commit: row ${r} at index ${j} is outside the ${rows} cache rows [0, ${rows})`);
    }
  }
}

/**
 * The bias as onnxruntime sees it: -Infinity becomes a large finite negative so a softmax row never computes
 * -Infinity - (-Infinity) = NaN (WebGPU kernels do not all guard that case); exp(-1e9) is exactly 0 in float32.
 * @returns [n * (past + n)] a copy
 */
export function finiteBias(bias: Float32Array): Float32Array {
  const out = new Float32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const b = bias[i];
    out[i] = b < -1e9 ? -1e9 : b;
  }
  return out;
}
