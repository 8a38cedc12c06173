#!/usr/bin/env python3
"""Distil draft model(s) from the trained target on windows of the TRAIN split, at temperature 1 over the full
vocabulary. Students are `config:loss` pairs (--students), trained side by side from the same teacher forward pass
(one teacher pass per batch); evaluate.py then picks the one with the higher held-out acceptance.
Losses (DistillSpec, Zhou et al. 2023, compares these divergences for speculative decoding):
  fkl      KL(p_target || q_draft), mass-covering (the first bundled run)
  tvd      total variation 1 - sum_x min(p, q) = 1 - acceptance at T=1: the quantity speculative sampling pays for
  rkl      KL(q_draft || p_target), mode-seeking
  fkl+tvd  the sum of the first two
--init-from starts every student from a saved draft (e.g. the bundled one) instead of the SVD-projected embedding.
Resumable (ckpt/distill.pt, or ckpt/distill_TAG.pt for a later stage); seeded; bf16 autocast matmuls, fp32 weights and losses.
"""
import argparse, datetime, json, os, time
import torch
import torch.nn.functional as F
from common import *
from model import LlamaForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument('--total-steps', type=int, default=1200)
ap.add_argument('--deadline', default=None, help='UTC HH:MM by which distillation must finish')
ap.add_argument('--bsz', type=int, default=16)
ap.add_argument('--lr', type=float, default=3e-3)
ap.add_argument('--warmup', type=int, default=60)
ap.add_argument('--seed', type=int, default=4321)
ap.add_argument('--ckpt-every', type=float, default=180)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--students', default='draft1:fkl,draft2:fkl', help='comma list of CONFIG:LOSS')
ap.add_argument('--teacher-reuse', type=int, default=1,
                help='student updates per teacher batch: the teacher pass is most of a step on CPU')
ap.add_argument('--tag', default='train', help='summary file out/distill_TAG.json (one per training stage)')
ap.add_argument('--init-from', default=None, help='state dict (.pt) every student starts from')
args = ap.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
train, valid = load_split('train'), load_split('valid')
ev = eval_windows(valid, 16)
teacher = LlamaForCausalLM(TARGET_CFG)
teacher.load_state_dict(torch.load(os.path.join(CKPT, 'target_final.pt')))
teacher.eval().requires_grad_(False)
pairs = [s.split(':', 1) for s in args.students.split(',')]
# a student is named by its config, or config-loss when one config is trained with several losses (an A/B run)
multi = {c for c, _ in pairs if sum(c2 == c for c2, _ in pairs) > 1}
specs = {(f'{c}-{l}' if c in multi else c): l for c, l in pairs}  # name -> loss
names = list(specs)
students = {n: LlamaForCausalLM(DRAFT_CFGS[n.split('-')[0]]) for n in names}
opts = {n: torch.optim.AdamW(m.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.0) for n, m in students.items()}
# Start every student from --init-from, or else initialise each draft's (tied) embedding with the target's embedding
# projected on its top principal directions: E_draft = E_target V_k (SVD E_target = U S V^T), so draft logits can
# start close to a low-rank copy of the target's.
with torch.no_grad():
    if args.init_from:
        start = torch.load(args.init_from)
        for m in students.values():
            m.load_state_dict(start)
    else:
        _, _, Vt = torch.linalg.svd(teacher.model.embed_tokens.weight.float(), full_matrices=False)
        for m in students.values():
            m.model.embed_tokens.weight.copy_(teacher.model.embed_tokens.weight @ Vt[:m.cfg.hidden_size].t())
suffix = '' if args.tag == 'train' else f'_{args.tag}'  # one checkpoint and log per stage
path = os.path.join(CKPT, f'distill{suffix}.pt')
logp = os.path.join(CKPT, f'distill{suffix}_log.jsonl')
step, total, train_time = 0, args.total_steps, 0.0
if os.path.exists(path):
    st = torch.load(path)
    for n in names:
        students[n].load_state_dict(st['models'][n]); opts[n].load_state_dict(st['opts'][n])
    step, total, train_time = st['step'], st['total'], st['train_time']
    print(f'resumed at {step}/{total}', flush=True)
deadline = None
if args.deadline:
    hh, mm = map(int, args.deadline.split(':'))
    deadline = datetime.datetime.now(datetime.timezone.utc).replace(hour=hh, minute=mm, second=0, microsecond=0).timestamp()
for n, m in students.items():
    print(n, specs[n], 'params', m.num_params(), 'flops/token', m.cfg.flops_per_token(),
          'ratio', round(m.cfg.flops_per_token() / TARGET_CFG.flops_per_token(), 4), flush=True)


def kl(t_logits, s_logits):
    lp = F.log_softmax(t_logits.float(), -1)
    lq = F.log_softmax(s_logits.float(), -1)
    return (lp.exp() * (lp - lq)).sum(-1).mean()


def tvd(t_logits, s_logits):
    p, q = F.softmax(t_logits.float(), -1), F.softmax(s_logits.float(), -1)
    return 1 - torch.minimum(p, q).sum(-1).mean()


def rkl(t_logits, s_logits):
    lp = F.log_softmax(t_logits.float(), -1)
    lq = F.log_softmax(s_logits.float(), -1)
    return (lq.exp() * (lq - lp)).sum(-1).mean()


LOSSES = {'fkl': kl, 'tvd': tvd, 'rkl': rkl, 'fkl+tvd': lambda t, s: kl(t, s) + tvd(t, s)}


@torch.no_grad()
def evaluate():
    res = {n: dict(kl=0.0, acc=0.0, top1=0.0) for n in names}
    for i in range(0, len(ev), 8):
        x = ev[i:i + 8, :-1]
        with torch.autocast('cpu', dtype=torch.bfloat16):
            tl = teacher(x)
        p = F.softmax(tl.float(), -1)
        for n, m in students.items():
            with torch.autocast('cpu', dtype=torch.bfloat16):
                sl = m(x)
            q = F.softmax(sl.float(), -1)
            res[n]['kl'] += kl(tl, sl).item() / 2
            res[n]['acc'] += torch.minimum(p, q).sum(-1).mean().item() / 2
            res[n]['top1'] += (p.argmax(-1) == q.argmax(-1)).float().mean().item() / 2
    return {n: {k: round(v, 4) for k, v in r.items()} for n, r in res.items()}


last_ck = time.time(); t_rate = time.time(); s_rate = step; start_step = step
tl = None
while step < total:
    t0 = time.time()
    if tl is None or step % args.teacher_reuse == 0:
        x = batch(train, step // args.teacher_reuse, args.bsz, args.seed)[:, :-1]
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
            tl = teacher(x)
    rec = dict(step=step + 1, total=total)
    for n, m in students.items():
        lr = lr_at(step, total, args.lr, args.warmup)
        for g in opts[n].param_groups:
            g['lr'] = lr
        with torch.autocast('cpu', dtype=torch.bfloat16):
            sl = m(x)
        loss = LOSSES[specs[n]](tl, sl)
        opts[n].zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opts[n].step()
        rec[n] = round(loss.item(), 4)
    step += 1
    train_time += time.time() - t0
    if step % 10 == 0:
        rec['train_time'] = round(train_time, 1)
        if step % 100 == 0:
            rec['val'] = evaluate()
        log_json(logp, rec); print(rec, flush=True)
    if deadline and step % 25 == 0 and step >= start_step + 50:
        rate = (time.time() - t_rate) / (step - s_rate)
        new_total = max(step + 1, min(total, step + int((deadline - time.time() - 30) / rate)))
        if new_total < total:
            print(f'replan: total {total} -> {new_total} (rate {rate:.2f}s/step)', flush=True)
            log_json(logp, dict(replan=new_total, step=step, rate=rate))
            total = new_total
        t_rate, s_rate = time.time(), step
    elif step == start_step + 25:
        t_rate, s_rate = time.time(), step
    if time.time() - last_ck > args.ckpt_every or step >= total:
        save_ckpt(path, models={n: m.state_dict() for n, m in students.items()},
                  opts={n: o.state_dict() for n, o in opts.items()}, step=step, total=total, train_time=train_time)
        last_ck = time.time()

final = evaluate()
teacher_batches = -(-step // args.teacher_reuse)  # ceil: the batches the teacher scored
info = dict(steps=step, total_steps=total, batch_size=args.bsz, seq_len=SEQ, tokens=teacher_batches * args.bsz * SEQ,
            teacher_reuse=args.teacher_reuse,
            train_time_s=round(train_time, 1), lr=args.lr, warmup=args.warmup, seed=args.seed, val=final,
            params={n: m.num_params() for n, m in students.items()}, losses=specs, init_from=args.init_from)
for n, m in students.items():
    torch.save(m.state_dict(), os.path.join(CKPT, f'{n}_final.pt'))
json.dump(info, open(os.path.join(OUT, f'distill_{args.tag}.json'), 'w'), indent=1)
print('done', info, flush=True)
