"""Shared helpers: data windows, checkpoints, LR schedule, model configs."""
import json, math, os, time
import numpy as np
import torch
from model import Config

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
CKPT = os.path.join(HERE, 'ckpt')
OUT = os.path.join(HERE, 'out')
SEQ = 256

TARGET_CFG = Config(vocab_size=4096, hidden_size=256, intermediate_size=768, num_hidden_layers=6,
                    num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=1024,
                    tie_word_embeddings=True)
DRAFT_CFGS = {
    # 1 layer, hidden 96: forward FLOPs/token about 0.09x the target's (LM head included)
    'draft1': Config(vocab_size=4096, hidden_size=96, intermediate_size=384, num_hidden_layers=1,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                     tie_word_embeddings=True),
    # 2 layers, hidden 80 (head_dim 20): about 0.085x
    'draft2': Config(vocab_size=4096, hidden_size=80, intermediate_size=256, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                     tie_word_embeddings=True),
}


# Distillation stages after the first (`distill_draft.py --tag T`, summaries in out/distill_T.json): a loss A/B from
# the stage-1 draft, then a longer run of the winning loss from the A/B's student.
DISTILL_STAGES = ['ab', 'finetune']


def load_split(split):
    return np.fromfile(os.path.join(DATA, f'{split}.bin'), dtype=np.uint16)


def batch(data, step, bsz, seed, seq=SEQ):
    """Deterministic random windows: batch for `step` depends only on (seed, step)."""
    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(data) - seq - 1, size=bsz)
    x = np.stack([data[s:s + seq + 1] for s in starts]).astype(np.int64)
    return torch.from_numpy(x)


def eval_windows(data, n, seq=SEQ):
    """Fixed, non-overlapping evaluation windows spread evenly over the validation split."""
    stride = (len(data) - seq - 1) // n
    return torch.from_numpy(np.stack([data[i * stride:i * stride + seq + 1] for i in range(n)]).astype(np.int64))


def lr_at(step, total, peak, warmup, floor=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def save_ckpt(path, **state):
    tmp = path + '.tmp'
    torch.save(state, tmp)
    os.replace(tmp, path)


def log_json(path, rec):
    with open(path, 'a') as fh:
        fh.write(json.dumps(rec) + '\n')
