/**
 * "Why this speed": each compared strategy's speedup decomposed as core/explain.ts does it, predicted (from the
 * measured latency profile) next to observed (from the steps' own times), one sentence for each strategy slower
 * than `ar`, and the profile itself as a chart with every strategy's operating point. Below it, the projection of
 * the same acceptance to other hardware (ProjectionPanel).
 */
import { useMemo } from 'react';
import type { BenchResult } from '../../core/benchmark/summary';
import { explainRows } from '../../core/explain';
import { CostProfileChart } from '../charts/CostProfileChart';
import { costCurves, draftCostRatio, operatingPoints } from '../layout/cost';
import { ProjectionPanel } from './ProjectionPanel';

const x = (v: number | null | undefined): string => (v != null && Number.isFinite(v) ? `${v.toFixed(2)}×` : '—');

/** The cost-model panel of a comparison. */
export function CostPanel({ result, width }: { result: BenchResult; width: number }) {
  const explanations = useMemo(() => explainRows(result), [result]);
  const curves = useMemo(() => costCurves(result.profile), [result]);
  const points = useMemo(() => operatingPoints(explanations), [explanations]);
  const ratio = draftCostRatio(result.profile);
  if (explanations.length === 0) return null;
  return (
    <section className="cost-panel" aria-label="Why this speed" data-testid="cost-panel">
      <h3>Why this speed</h3>
      <p className="formula">
        speedup = τ · t<sub>ar</sub> / (t<sub>verify</sub> + t<sub>draft</sub> + t<sub>host</sub>), each per step; below
        in units of one <code>ar</code> step.{' '}
        {ratio !== null && (
          <span data-testid="draft-ratio">A one-token draft call costs {x(ratio)} a target call here.</span>
        )}
      </p>
      <div className="table-scroll">
        <table className="cost-table" data-testid="cost-table">
          <thead>
            <tr>
              <th scope="col">strategy</th>
              <th scope="col">τ</th>
              <th scope="col">verify</th>
              <th scope="col">draft</th>
              <th scope="col">host</th>
              <th scope="col">predicted</th>
              <th scope="col">observed</th>
            </tr>
          </thead>
          <tbody>
            {explanations.map((e) => {
              const { cost, arStepMs } = e.observed;
              return (
                <tr key={e.strategy} data-strategy={e.strategy}>
                  <th scope="row">
                    <code>{e.strategy}</code>
                  </th>
                  <td>{e.tau.toFixed(2)}</td>
                  <td title={`${e.treeSize.toFixed(1)} tokens per verify`}>{x(cost.verify / arStepMs)}</td>
                  <td title={`${e.draftCalls.toFixed(1)} draft calls per step`}>{x(cost.draft / arStepMs)}</td>
                  <td>{x(cost.host / arStepMs)}</td>
                  <td title="τ · (t(1) + host) / (t(tree) + calls · t_draft(1) + host), from the profile">
                    {x(e.predicted?.speedup)}
                  </td>
                  <td>{x(e.measuredSpeedup)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ul className="verdicts" data-testid="verdicts">
        {explanations
          .filter((e) => e.verdict)
          .map((e) => (
            <li key={e.strategy}>
              <code>{e.strategy}</code> is slower than <code>ar</code>: {e.verdict}.
            </li>
          ))}
      </ul>
      <CostProfileChart curves={curves} points={points} width={Math.min(width, 560)} />
      <ProjectionPanel result={result} />
    </section>
  );
}
