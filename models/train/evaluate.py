#!/usr/bin/env python3
"""Held-out metrics from the fp16-ROUNDED weights (what gets exported), computed in fp32:
target / draft perplexity, acceptance sum_x min(p, q) at T=1 (and T=0.7), greedy top-1 agreement.
Evaluates every draft candidate, picks the one with the highest T=1 acceptance, writes metrics.json."""
import argparse, json, os, time
import torch
import torch.nn.functional as F
from common import *
from model import LlamaForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument('--max-windows', type=int, default=400)
ap.add_argument('--threads', type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)


def load_rounded(cfg, path):
    m = LlamaForCausalLM(cfg)
    sd = torch.load(path)
    m.load_state_dict({k: v.half().float() for k, v in sd.items()})
    return m.eval()


valid = load_split('valid')
nwin = (len(valid) - 1) // SEQ
idx = torch.linspace(0, nwin - 1, min(nwin, args.max_windows)).long().tolist()
wins = torch.stack([torch.from_numpy(valid[i * SEQ:i * SEQ + SEQ + 1].astype('int64')) for i in idx])
target = load_rounded(TARGET_CFG, os.path.join(CKPT, 'target_final.pt'))
drafts = {n: load_rounded(c, os.path.join(CKPT, f'{n}_final.pt')) for n, c in DRAFT_CFGS.items()
          if os.path.exists(os.path.join(CKPT, f'{n}_final.pt'))}
acc = {'target': dict(nll=0.0)}
for n in drafts:
    acc[n] = dict(nll=0.0, kl=0.0, accept_t1=0.0, accept_t07=0.0, top1=0.0)
ntok = 0
t0 = time.time()
with torch.no_grad():
    for i in range(0, len(wins), 8):
        w = wins[i:i + 8]
        x, y = w[:, :-1], w[:, 1:]
        tl = target(x)
        acc['target']['nll'] += F.cross_entropy(tl.reshape(-1, tl.shape[-1]), y.reshape(-1), reduction='sum').item()
        p1, p07 = F.softmax(tl, -1), F.softmax(tl / 0.7, -1)
        lp = F.log_softmax(tl, -1)
        for n, m in drafts.items():
            dl = m(x)
            a = acc[n]
            a['nll'] += F.cross_entropy(dl.reshape(-1, dl.shape[-1]), y.reshape(-1), reduction='sum').item()
            q1, q07 = F.softmax(dl, -1), F.softmax(dl / 0.7, -1)
            a['kl'] += (p1 * (lp - F.log_softmax(dl, -1))).sum(-1).sum().item()
            a['accept_t1'] += torch.minimum(p1, q1).sum(-1).sum().item()
            a['accept_t07'] += torch.minimum(p07, q07).sum(-1).sum().item()
            a['top1'] += (tl.argmax(-1) == dl.argmax(-1)).float().sum().item()
        ntok += y.numel()
res = {'eval': dict(split='valid (held-out documents)', windows=len(wins), seq_len=SEQ, tokens=ntok,
                    weights='fp16-rounded, computed in fp32', seconds=round(time.time() - t0, 1))}
res['target'] = dict(params=target.num_params(), flops_per_token=TARGET_CFG.flops_per_token(),
                     val_loss=round(acc['target']['nll'] / ntok, 4),
                     perplexity=round(float(torch.tensor(acc['target']['nll'] / ntok).exp()), 3))
cands = {}
for n, m in drafts.items():
    a = acc[n]
    cands[n] = dict(params=m.num_params(), flops_per_token=DRAFT_CFGS[n].flops_per_token(),
                    flops_ratio=round(DRAFT_CFGS[n].flops_per_token() / TARGET_CFG.flops_per_token(), 4),
                    val_loss=round(a['nll'] / ntok, 4),
                    perplexity=round(float(torch.tensor(a['nll'] / ntok).exp()), 3),
                    kl_target_draft=round(a['kl'] / ntok, 4),
                    acceptance_t1=round(a['accept_t1'] / ntok, 4),
                    acceptance_t07=round(a['accept_t07'] / ntok, 4),
                    greedy_top1_agreement=round(a['top1'] / ntok, 4))
best = max(cands, key=lambda n: cands[n]['acceptance_t1'])
res['draft'] = dict(cands[best], candidate=best)
res['draft_candidates'] = cands
for f in ('target_train.json', 'distill_train.json'):
    p = os.path.join(OUT, f)
    if os.path.exists(p):
        res[f[:-5]] = json.load(open(p))
# later distillation stages, in order: each starts from the previous stage's draft (README.md, step 4)
stage_files = {t: os.path.join(OUT, f'distill_{t}.json') for t in DISTILL_STAGES}
res['distill_stages'] = [dict(stage=t, **json.load(open(p))) for t, p in stage_files.items() if os.path.exists(p)]
tsp = os.path.join(DATA, 'token_stats.json')
if os.path.exists(tsp):
    res['tokens'] = json.load(open(tsp))
json.dump(res, open(os.path.join(HERE, 'metrics.json'), 'w'), indent=1)
print(json.dumps(res, indent=1))
