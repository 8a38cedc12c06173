/**
 * Projection of a comparison to other hardware (core/projection.ts): the acceptance measured here re-priced under
 * this device's profile, a GPU-like one whose knobs the user sets, or a profile file from `npm run cli -- profile`.
 * Labelled as a projection wherever it shows; exported as the same JSON document `cli project --out` writes. The
 * server tree (vLLM's `speculative_token_tree`, SGLang's closest flags) is the Sequoia-optimal tree of a chosen
 * budget for the measured per-rank acceptance.
 */
import { useId, useMemo, useState } from 'react';
import type { BenchResult } from '../../core/benchmark/summary';
import { gpuLikeProfile, measuredProfile, profileFromFile, type CostProfile } from '../../core/projection';
import { DEFAULT_PROJECTION_BUDGETS, PROJECTION_FORMULA, projectionDocument } from '../../core/projection-document';
import { downloadBlob } from '../export-svg';

type Choice = 'device' | 'gpu' | 'file';

const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '—');

function saveJson(value: unknown, name: string): void {
  downloadBlob(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' }), name);
}

/** A number field that keeps its text while invalid. */
function NumberField(props: { label: string; value: number; step: number; onChange: (v: number) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        step={props.step}
        defaultValue={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
    </div>
  );
}

/** Picks the profile and shows the projected tables. */
export function ProjectionPanel({ result }: { result: BenchResult }) {
  const [choice, setChoice] = useState<Choice>(result.profile.target ? 'device' : 'gpu');
  const [gpu, setGpu] = useState({ targetMs: 20, flatWidth: 64, draftRatio: 0.1 });
  const [file, setFile] = useState<CostProfile | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [serverBudget, setServerBudget] = useState(8);
  const name = useId();

  const projection = useMemo(() => {
    try {
      const profile =
        choice === 'device' ? measuredProfile(result.profile) : choice === 'gpu' ? gpuLikeProfile(gpu) : file;
      if (!profile) return { doc: null, error: 'choose a profile file' };
      const budget = Number.isInteger(serverBudget) && serverBudget >= 1 ? serverBudget : null;
      return { doc: projectionDocument(result, profile, { serverBudget: budget }), error: null };
    } catch (e) {
      return { doc: null, error: (e as Error).message };
    }
  }, [choice, gpu, file, result, serverBudget]);
  const doc = projection.doc;
  const kinds = Object.keys(doc?.budgets[0]?.dynamic ?? {});

  const readFile = async (f: File | undefined): Promise<void> => {
    if (!f) return;
    try {
      setFile(profileFromFile(JSON.parse(await f.text()), f.name));
      setFileError(null);
    } catch (e) {
      setFileError(`${f.name}: ${(e as Error).message}`); // the previous profile stays
    }
  };

  return (
    <div className="projection" data-testid="projection">
      <h4>Projection to other hardware (not measured)</h4>
      <p className="formula">{PROJECTION_FORMULA}.</p>
      <div className="field-row" role="radiogroup" aria-label="Cost profile">
        {(
          [
            ['device', 'this device', !result.profile.target],
            ['gpu', 'GPU-like', false],
            ['file', 'profile file', false],
          ] as const
        ).map(([value, label, disabled]) => (
          <label key={value}>
            <input
              type="radio"
              name={name}
              value={value}
              checked={choice === value}
              disabled={disabled}
              onChange={() => setChoice(value)}
            />{' '}
            {label}
          </label>
        ))}
      </div>
      {choice === 'gpu' && (
        <div className="field-row">
          <NumberField
            label="target t(1), ms"
            value={gpu.targetMs}
            step={1}
            onChange={(v) => setGpu({ ...gpu, targetMs: v })}
          />
          <NumberField
            label="flat up to n tokens"
            value={gpu.flatWidth}
            step={1}
            onChange={(v) => setGpu({ ...gpu, flatWidth: v })}
          />
          <NumberField
            label="draft / target cost"
            value={gpu.draftRatio}
            step={0.01}
            onChange={(v) => setGpu({ ...gpu, draftRatio: v })}
          />
        </div>
      )}
      {choice === 'file' && (
        <div className="field">
          <label>
            profile JSON (<code>npm run cli -- profile --out FILE</code>){' '}
            <input type="file" accept=".json,application/json" onChange={(e) => void readFile(e.target.files?.[0])} />
          </label>
          {fileError && <small className="field-error">{fileError}</small>}
        </div>
      )}
      {projection.error && (
        <p className="error" role="alert" data-testid="projection-error">
          {projection.error}
        </p>
      )}
      {doc && (
        <>
          <div className="table-scroll">
            <table className="projection-table" data-testid="projection-table">
              <caption>Projected under {doc.profile.label}</caption>
              <thead>
                <tr>
                  <th scope="col">strategy</th>
                  <th scope="col">τ</th>
                  <th scope="col">measured here</th>
                  <th scope="col">projected</th>
                </tr>
              </thead>
              <tbody>
                {doc.rows.map((r) => (
                  <tr key={r.strategy}>
                    <th scope="row">
                      <code>{r.strategy}</code>
                    </th>
                    <td>{r.tau.toFixed(2)}</td>
                    <td>{x(r.measured_speedup)}</td>
                    <td>{x(r.speedup)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-scroll">
            <table className="projection-budgets" data-testid="projection-budgets">
              <caption>
                Best fixed tree vs DySpec per node budget, projected ({DEFAULT_PROJECTION_BUDGETS.length} budgets)
              </caption>
              <thead>
                <tr>
                  <th scope="col">budget</th>
                  <th scope="col">fixed τ</th>
                  <th scope="col">fixed</th>
                  {kinds.map((k) => (
                    <th scope="col" key={k}>
                      {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {doc.budgets.map((b) => (
                  <tr key={b.budget}>
                    <th scope="row">{b.budget}</th>
                    <td>{b.fixed.tau.toFixed(2)}</td>
                    <td>{x(b.fixed.speedup)}</td>
                    {kinds.map((k) => (
                      <td key={k}>
                        {b.dynamic[k] ? `${x(b.dynamic[k]!.speedup)} (τ ${b.dynamic[k]!.tau.toFixed(2)})` : 'not run'}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ServerTreeExport doc={doc} budget={serverBudget} onBudget={setServerBudget} />
          <button
            type="button"
            onClick={() => saveJson(doc, 'specdec-projection.json')}
            data-testid="export-projection"
          >
            Download projection (JSON)
          </button>
        </>
      )}
    </div>
  );
}

/** The server tree of the chosen budget, as vLLM and SGLang take it. */
function ServerTreeExport(props: {
  doc: NonNullable<ReturnType<typeof projectionDocument>>;
  budget: number;
  onBudget: (n: number) => void;
}) {
  const tree = props.doc.server_tree;
  const id = useId();
  return (
    <div className="server-tree" data-testid="server-tree">
      <div className="field">
        <label htmlFor={id}>Static tree for a server: node budget</label>
        <input
          id={id}
          type="number"
          min={1}
          max={64}
          defaultValue={props.budget}
          onChange={(e) => props.onBudget(Number(e.target.value))}
        />
      </div>
      {tree ? (
        <>
          <p>
            vLLM <code>speculative_config</code>:
          </p>
          <pre data-testid="vllm-tree">{JSON.stringify(tree.vllm.speculative_config, null, 2)}</pre>
          <p>
            SGLang (builds its trees per step; the closest settings):{' '}
            <code data-testid="sglang-flags">
              --speculative-num-steps {tree.sglang.speculative_num_steps} --speculative-eagle-topk{' '}
              {tree.sglang.speculative_eagle_topk} --speculative-num-draft-tokens{' '}
              {tree.sglang.speculative_num_draft_tokens}
            </code>
          </p>
          <button type="button" onClick={() => saveJson(tree, `specdec-server-tree-${tree.budget}.json`)}>
            Download server tree (JSON)
          </button>
        </>
      ) : (
        <small className="field-error">the budget must be a whole number ≥ 1</small>
      )}
    </div>
  );
}
