#!/usr/bin/env python3
"""Write models/golden.json: reference outputs of the EXPORTED models for the TypeScript runtime's parity tests.
For each model folder the weights are read back from model.safetensors (float16 -> float32) and run in fp32 with
the HF-Llama-exact torch model (model.py). For each of 3 fixed prompts: the token ids (<|bos|> + tokenizer ids,
positions 0..n-1, plain causal attention), the argmax id of EVERY position, and for the LAST position the first 64
logits, the top-5 (id, logit), max, min, mean and the L2 norm of the whole row."""
import json, os
import torch
import bpe, st_io
from common import HERE
from model import Config, LlamaForCausalLM

torch.set_num_threads(2)
MODELS = os.path.dirname(HERE)
PROMPTS = ["In the beginning God created the heaven and the earth.",
           "Call me Ishmael. Some years ago",
           "The state of the Union is strong, and our economy"]


def load_folder(d):
    c = json.load(open(os.path.join(d, 'config.json')))
    keys = Config.__dataclass_fields__.keys()
    cfg = Config(**{k: c[k] for k in keys})
    m = LlamaForCausalLM(cfg)
    m.load_state_dict(st_io.read(os.path.join(d, 'model.safetensors')))
    return cfg, m.eval()


def r(x):
    return float(f'{x:.6g}')


def main():
    out = {'description': 'fp32 reference logits of the exported fp16 weights; input = <|bos|> (id 0) + tokenizer ids '
                          'of the prompt, positions 0..n-1, causal attention. last_logits_head = logits[-1][:64].',
           'prompts': PROMPTS, 'models': {}}
    tok = bpe.Tokenizer.load(os.path.join(MODELS, 'specdec-target', 'tokenizer.json'))
    for name in ('specdec-target', 'specdec-draft'):
        cfg, m = load_folder(os.path.join(MODELS, name))
        cases = []
        for p in PROMPTS:
            ids = [0] + tok.encode(p)
            assert 5 <= len(ids) <= 20, (p, len(ids))
            with torch.no_grad():
                lg = m(torch.tensor([ids]))[0].float()
            last = lg[-1]
            top = torch.topk(last, 5)
            cases.append(dict(text=p, input_ids=ids, argmax=lg.argmax(-1).tolist(),
                              last_logits_head=[r(v) for v in last[:64].tolist()],
                              last_top5_ids=top.indices.tolist(), last_top5_logits=[r(v) for v in top.values.tolist()],
                              last_max=r(last.max().item()), last_min=r(last.min().item()),
                              last_mean=r(last.mean().item()), last_l2=r(last.norm().item())))
        out['models'][name] = dict(vocab_size=cfg.vocab_size, cases=cases)
    path = os.path.join(MODELS, 'golden.json')
    json.dump(out, open(path, 'w'), indent=1)
    print(path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
