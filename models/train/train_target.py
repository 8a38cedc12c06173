#!/usr/bin/env python3
"""Train the target model (next-token cross-entropy) on data/train.bin.

Resumable: state in ckpt/target.pt every --ckpt-every seconds; rerunning the same command resumes.
LR schedule: linear warmup + cosine to 10% over --total-steps. If --deadline (UTC HH:MM) is given, after a
calibration the planner may LOWER total_steps so that training ends before the deadline (the value actually
used is logged in ckpt/target_log.jsonl and saved in out/target_train.json; pass it as --total-steps to rerun).
Matmuls run under bf16 autocast on CPU (weights/optimizer fp32). Seeded; batches depend only on (seed, step).
"""
import argparse, datetime, json, os, time
import torch
import torch.nn.functional as F
from common import *
from model import LlamaForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument('--total-steps', type=int, default=3000)
ap.add_argument('--deadline', default=None, help='UTC HH:MM by which training must finish')
ap.add_argument('--bsz', type=int, default=16)
ap.add_argument('--lr', type=float, default=2e-3)
ap.add_argument('--warmup', type=int, default=150)
ap.add_argument('--seed', type=int, default=1234)
ap.add_argument('--ckpt-every', type=float, default=180)
ap.add_argument('--eval-every', type=int, default=100)
ap.add_argument('--threads', type=int, default=2)
args = ap.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
os.makedirs(CKPT, exist_ok=True); os.makedirs(OUT, exist_ok=True)
train, valid = load_split('train'), load_split('valid')
ev = eval_windows(valid, 24)
model = LlamaForCausalLM(TARGET_CFG)
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': nodecay, 'weight_decay': 0.0}],
                        lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
path = os.path.join(CKPT, 'target.pt')
logp = os.path.join(CKPT, 'target_log.jsonl')
step, total, train_time = 0, args.total_steps, 0.0
if os.path.exists(path):
    st = torch.load(path)
    model.load_state_dict(st['model']); opt.load_state_dict(st['opt'])
    step, total, train_time = st['step'], st['total'], st['train_time']
    if args.deadline:
        total = max(total, min(args.total_steps, step + 1))   # the planner re-derives it
    print(f'resumed at step {step}/{total}', flush=True)
deadline = None
if args.deadline:
    hh, mm = map(int, args.deadline.split(':'))
    deadline = datetime.datetime.now(datetime.timezone.utc).replace(hour=hh, minute=mm, second=0, microsecond=0).timestamp()
    print(f'deadline in {(deadline - time.time()) / 60:.1f} min', flush=True)
print(f'params {model.num_params()} flops/token {TARGET_CFG.flops_per_token()}', flush=True)


@torch.no_grad()
def evaluate():
    model.eval(); tot = 0.0
    for i in range(0, len(ev), 8):
        x = ev[i:i + 8]
        with torch.autocast('cpu', dtype=torch.bfloat16):
            lg = model(x[:, :-1])
        tot += F.cross_entropy(lg.float().reshape(-1, lg.shape[-1]), x[:, 1:].reshape(-1), reduction='sum').item()
    model.train()
    return tot / (len(ev) * SEQ)


last_ck = time.time(); t_rate = time.time(); s_rate = step
start_step = step
while step < total:
    t0 = time.time()
    lr = lr_at(step, total, args.lr, args.warmup)
    for g in opt.param_groups:
        g['lr'] = lr
    x = batch(train, step, args.bsz, args.seed)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = model(x[:, :-1])
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    step += 1
    train_time += time.time() - t0
    if step % 10 == 0:
        rec = dict(step=step, total=total, loss=round(loss.item(), 4), lr=round(lr, 6), gnorm=round(gn.item(), 3),
                   tok=step * args.bsz * SEQ, train_time=round(train_time, 1))
        if step % args.eval_every == 0:
            rec['val_loss'] = round(evaluate(), 4)
        log_json(logp, rec)
        print(rec, flush=True)
    # re-plan so the run ends before the deadline: total follows the measured rate (window of 100 steps) but never
    # exceeds --total-steps; in the last 15% of the schedule it may only shrink.
    if deadline and step % 50 == 0 and step - s_rate >= 100:
        rate = (time.time() - t_rate) / (step - s_rate)
        want = step + int((deadline - time.time() - 60) / rate)
        new_total = max(step + 1, min(args.total_steps, want))
        if step > 0.85 * total:
            new_total = min(total, new_total)
        if new_total != total:
            print(f'replan: total {total} -> {new_total} (rate {rate:.2f}s/step)', flush=True)
            log_json(logp, dict(replan=new_total, step=step, rate=rate))
            total = new_total
        t_rate, s_rate = time.time() - rate * 50, step - 50   # keep a 50-step tail in the next window
    elif step == start_step + 20:
        t_rate, s_rate = time.time(), step      # start measuring after the first (slow) steps
    if time.time() - last_ck > args.ckpt_every or step >= total:
        save_ckpt(path, model=model.state_dict(), opt=opt.state_dict(), step=step, total=total, train_time=train_time)
        last_ck = time.time()

vl = evaluate()
info = dict(steps=step, total_steps=total, batch_size=args.bsz, seq_len=SEQ, tokens=step * args.bsz * SEQ,
            train_time_s=round(train_time, 1), final_val_loss=round(vl, 4), lr=args.lr, warmup=args.warmup,
            seed=args.seed, params=model.num_params())
json.dump(info, open(os.path.join(OUT, 'target_train.json'), 'w'), indent=1)
torch.save(model.state_dict(), os.path.join(CKPT, 'target_final.pt'))
print('done', info, flush=True)
