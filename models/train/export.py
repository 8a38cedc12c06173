#!/usr/bin/env python3
"""Export the target and the chosen draft (metrics.json 'draft.candidate') as Hugging Face Llama folders:
models/specdec-target/ and models/specdec-draft/ with config.json, generation_config.json, model.safetensors (F16,
hand-written), tokenizer.json, tokenizer_config.json and a README.md model card. Verifies that the written
safetensors load back to exactly the evaluated (fp16-rounded) model."""
import json, os, shutil, time
import torch
import torch.nn.functional as F
import bpe, st_io
from common import *
from model import LlamaForCausalLM

torch.set_num_threads(2)
MODELS = os.path.dirname(HERE)
M = json.load(open(os.path.join(HERE, 'metrics.json')))
SRC = json.load(open(os.path.join(DATA, 'sources.json')))
tok = bpe.Tokenizer.load(os.path.join(OUT, 'tokenizer.json'))
PROMPTS = ["And God said,", "Call me Ishmael.", "Fellow-Citizens of the Senate and House of Representatives:"]


def load_rounded(cfg, path):
    m = LlamaForCausalLM(cfg)
    m.load_state_dict({k: v.half().float() for k, v in torch.load(path).items()})
    return m.eval()


@torch.no_grad()
def generate(m, prompt, n=48, temperature=0.0, seed=0):
    ids = [0] + tok.encode(prompt)
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        lg = m(torch.tensor([ids]))[0, -1]
        if temperature == 0:
            nxt = int(lg.argmax())
        else:
            nxt = int(torch.multinomial(F.softmax(lg / temperature, -1), 1, generator=g))
        if nxt == 1:
            break
        ids.append(nxt)
    return tok.decode(ids[1:])


def write_folder(name, cfg, m):
    d = os.path.join(MODELS, name)
    os.makedirs(d, exist_ok=True)
    sd = m.state_dict()
    st_io.write(os.path.join(d, 'model.safetensors'), sd, metadata={'format': 'pt'})
    json.dump(cfg.to_hf('float16'), open(os.path.join(d, 'config.json'), 'w'), indent=2)
    json.dump({'_from_model_config': True, 'bos_token_id': cfg.bos_token_id, 'eos_token_id': cfg.eos_token_id,
               'max_length': cfg.max_position_embeddings, 'transformers_version': '4.44.0'},
              open(os.path.join(d, 'generation_config.json'), 'w'), indent=2)
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(os.path.join(OUT, f), os.path.join(d, f))
    # round-trip check: reload from disk and compare logits bit-exactly
    back = LlamaForCausalLM(cfg)
    back.load_state_dict(st_io.read(os.path.join(d, 'model.safetensors')))
    x = torch.tensor([[0] + tok.encode(PROMPTS[0])])
    with torch.no_grad():
        assert torch.equal(back.eval()(x), m(x)), name
    return d


def arch(cfg):
    return (f"LlamaForCausalLM: {cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, intermediate "
            f"{cfg.intermediate_size} (SwiGLU), {cfg.num_attention_heads} query heads / {cfg.num_key_value_heads} "
            f"KV heads (head_dim {cfg.head_dim}, GQA), RMSNorm eps {cfg.rms_norm_eps}, RoPE theta "
            f"{cfg.rope_theta:g}, vocab {cfg.vocab_size}, tied embeddings: {cfg.tie_word_embeddings}, "
            f"max_position_embeddings {cfg.max_position_embeddings}, no biases")


def data_table():
    rows = ["| source | origin | licence | documents (held out) | bytes train / valid |", "|---|---|---|---|---|"]
    for k, s in SRC['sources'].items():
        rows.append(f"| {s['name']} | {s['origin']} | {s['licence']} | {s['docs']} ({s['valid_docs']}) | "
                    f"{s['train_bytes']:,} / {s['valid_bytes']:,} |")
    t = M.get('tokens', {})
    rows.append("")
    rows.append(f"Held-out split = whole documents: Bible books {', '.join(SRC['heldout_bible_books'])} (both "
                f"translations), every 15th Moby-Dick chapter + the Epilogue, every 15th State of the Union address. "
                f"Tokens: train {t.get('train', {}).get('tokens', '?'):,}, valid {t.get('valid', {}).get('tokens', '?'):,} "
                f"(about {t.get('train', {}).get('bytes_per_token', '?')} bytes/token).")
    return "\n".join(rows)


def latency_section():
    """The hand-kept measured-latency section (latency.md: measured by the TypeScript runtime, not here), or ''."""
    p = os.path.join(HERE, 'latency.md')
    return (open(p).read().strip() + '\n\n') if os.path.exists(p) else ''


def card(name, role, cfg, m, train_info, extra):
    tm, dm = M['target'], M['draft']
    samples = []
    for p in PROMPTS[:2]:
        samples.append(f"Prompt `{p}` (temperature 0, 48 tokens, prompt preceded by `<|bos|>`):\n\n```text\n{generate(m, p)}\n```")
    if role == 'target':
        samples.append(f"Prompt `{PROMPTS[2]}` (temperature 0.7, seed 0):\n\n```text\n{generate(m, PROMPTS[2], temperature=0.7, seed=0)}\n```")
    other = 'specdec-draft' if role == 'target' else 'specdec-target'
    return f"""---
language: en
library_name: transformers
pipeline_tag: text-generation
tags: [llama, speculative-decoding, tiny]
---

# {name}

The **{role}** model of a draft/target pair trained from scratch for the speculative-decoding playground in this
repository (its partner is [`{other}`](../{other})). Both share one byte-level BPE tokenizer (vocab 4096, `<|bos|>` = 0,
`<|eos|>` = 1). Tiny, trained in about an hour on 2 shared CPU cores: it writes corpus-style English (Bible, Moby-Dick,
State of the Union addresses), not facts.

## Architecture

{arch(cfg)}.

- parameters: {m.num_params():,} (embedding {cfg.vocab_size * cfg.hidden_size:,}, tied with the LM head)
- forward FLOPs per token (2 x multiply-adds, LM head included, attention scores excluded): {cfg.flops_per_token():,}
- weights: `model.safetensors`, float16, Hugging Face Llama tensor names and `config.json`
  (`LlamaForCausalLM`); `models/golden.json` holds reference logits.

## Training

{(extra + chr(10) + chr(10)) if extra else ''}{train_info}

## Data

{data_table()}

## Held-out metrics (fp16 weights computed in fp32; {M['eval']['tokens']:,} tokens in {M['eval']['windows']} windows of {SEQ})

| metric | value |
|---|---|
| target perplexity | {tm['perplexity']} |
| draft perplexity | {dm['perplexity']} |
| draft/target acceptance sum_x min(p, q), T = 1 | {dm['acceptance_t1']} |
| draft/target acceptance, T = 0.7 | {dm['acceptance_t07']} |
| greedy top-1 agreement (draft argmax = target argmax) | {dm['greedy_top1_agreement']} |
| KL(target ‖ draft), nats/token | {dm['kl_target_draft']} |
| draft / target FLOPs per token | {dm['flops_ratio']} |

{latency_section()}## Samples

{chr(10).join(samples)}

## Reproduce

See `models/train/README.md` (scripts: corpus, tokenizer, target training, distillation, evaluation, export,
golden logits). Everything is seeded.
"""


LOSS_NAMES = {'fkl': 'KL(p_target ‖ q_draft)', 'tvd': 'total variation 1 - Σ min(p, q)', 'rkl': 'KL(q_draft ‖ p_target)',
              'fkl+tvd': 'KL + total variation'}


def distill_info(dt, stages, chosen):
    """The draft's training history: stage 1 (distill_train.json) and each later stage (distill_<tag>.json)."""
    parts = [f"Stage 1, distilled from `specdec-target`: loss KL(p_target ‖ q_draft) at temperature 1 over the full "
             f"vocabulary on train-split windows, the embedding initialised on the target's top principal directions; "
             f"{dt.get('steps')} steps x {dt.get('batch_size')} x {dt.get('seq_len')} = {dt.get('tokens', 0):,} tokens, "
             f"{dt.get('train_time_s', 0) / 60:.1f} min (two draft candidates trained side by side, `{chosen}` chosen by "
             f"held-out acceptance). AdamW (0.9, 0.95), peak LR {dt.get('lr')}, {dt.get('warmup')} warmup steps, cosine "
             f"to 10%, seed {dt.get('seed')}."]
    for i, st in enumerate(stages, start=2):
        losses = ', '.join(f"`{n}`: {LOSS_NAMES.get(l, l)}" for n, l in st.get('losses', {}).items())
        val = '; '.join(f"`{n}` acceptance {v['acc']}, top-1 {v['top1']}" for n, v in st.get('val', {}).items())
        parts.append(f"Stage {i} (`--tag {st['stage']}`), from the previous stage's draft, at temperature 1 over the "
                     f"full vocabulary: {losses}; {st.get('steps')} student updates on {st.get('tokens', 0):,} "
                     f"teacher-scored tokens (each teacher batch used for {st.get('teacher_reuse', 1)} update(s)), "
                     f"{st.get('train_time_s', 0) / 60:.1f} min; peak LR {st.get('lr')}, {st.get('warmup')} warmup "
                     f"steps, cosine to 10%, seed {st.get('seed')}. Held-out check (16 windows): {val}.")
    return '\n\n'.join(parts)


def main():
    t0 = time.time()
    tt = M.get('target_train', {})
    dt = M.get('distill_train', {})
    chosen = M['draft']['candidate']
    tgt = load_rounded(TARGET_CFG, os.path.join(CKPT, 'target_final.pt'))
    dr = load_rounded(DRAFT_CFGS[chosen], os.path.join(CKPT, f'{chosen}_final.pt'))
    d1 = write_folder('specdec-target', TARGET_CFG, tgt)
    d2 = write_folder('specdec-draft', DRAFT_CFGS[chosen], dr)
    t_info = (f"Next-token cross-entropy on the train split: {tt.get('steps')} steps x {tt.get('batch_size')} x "
              f"{tt.get('seq_len')} tokens = {tt.get('tokens', 0):,} tokens, {tt.get('train_time_s', 0) / 60:.1f} min on "
              f"2 shared CPU cores (PyTorch {torch.__version__}, bf16 autocast matmuls, fp32 master weights). AdamW "
              f"(0.9, 0.95), weight decay 0.1, peak LR {tt.get('lr')}, {tt.get('warmup')} warmup steps, cosine to 10%, "
              f"grad clip 1.0, seed {tt.get('seed')}.")
    d_info = distill_info(dt, M.get('distill_stages', []), chosen)
    open(os.path.join(d1, 'README.md'), 'w').write(card('specdec-target', 'target', TARGET_CFG, tgt, t_info, ''))
    open(os.path.join(d2, 'README.md'), 'w').write(card('specdec-draft', 'draft', DRAFT_CFGS[chosen], dr, d_info,
        f"Per-token cost {M['draft']['flops_ratio']:.3f} x the target's forward FLOPs (LM head included)."))
    for d in (d1, d2):
        print(d, sorted(os.listdir(d)), sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)))
    print(f'export done in {time.time() - t0:.1f}s')


if __name__ == '__main__':
    main()
