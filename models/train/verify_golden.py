#!/usr/bin/env python3
"""Independent check of models/golden.json: a float64 NumPy Llama forward written directly from the HF
LlamaForCausalLM definition (no torch model code), reading the exported model.safetensors."""
import json, os, sys
import numpy as np
import st_io
from common import HERE

MODELS = os.path.dirname(HERE)
g = json.load(open(os.path.join(MODELS, 'golden.json')))
worst = 0.0
for name, entry in g['models'].items():
    c = json.load(open(os.path.join(MODELS, name, 'config.json')))
    W = {k: v.numpy().astype(np.float64) for k, v in st_io.read(os.path.join(MODELS, name, 'model.safetensors')).items()}
    nh, kv, hd, eps = c['num_attention_heads'], c['num_key_value_heads'], c['head_dim'], c['rms_norm_eps']
    head = W['model.embed_tokens.weight'] if c['tie_word_embeddings'] else W['lm_head.weight']
    rms = lambda x, w: w * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))
    rot = lambda v: np.concatenate([-v[..., hd // 2:], v[..., :hd // 2]], -1)
    for case in entry['cases']:
        ids = case['input_ids']; T = len(ids)
        x = W['model.embed_tokens.weight'][ids]
        inv = 1.0 / (c['rope_theta'] ** (np.arange(0, hd, 2) / hd))
        fr = np.arange(T)[:, None] * inv[None]
        emb = np.concatenate([fr, fr], -1); cos, sin = np.cos(emb)[:, None], np.sin(emb)[:, None]
        for i in range(c['num_hidden_layers']):
            p = f'model.layers.{i}.'
            h = rms(x, W[p + 'input_layernorm.weight'])
            q = (h @ W[p + 'self_attn.q_proj.weight'].T).reshape(T, nh, hd)
            k = (h @ W[p + 'self_attn.k_proj.weight'].T).reshape(T, kv, hd)
            v = (h @ W[p + 'self_attn.v_proj.weight'].T).reshape(T, kv, hd)
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            out = np.zeros((T, nh, hd))
            for hh in range(nh):
                j = hh // (nh // kv)
                s = q[:, hh] @ k[:, j].T / np.sqrt(hd) + np.triu(np.full((T, T), -np.inf), 1)
                s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
                out[:, hh] = s @ v[:, j]
            x = x + out.reshape(T, nh * hd) @ W[p + 'self_attn.o_proj.weight'].T
            h = rms(x, W[p + 'post_attention_layernorm.weight'])
            gt = h @ W[p + 'mlp.gate_proj.weight'].T
            x = x + ((gt / (1 + np.exp(-gt))) * (h @ W[p + 'mlp.up_proj.weight'].T)) @ W[p + 'mlp.down_proj.weight'].T
        lg = rms(x, W['model.norm.weight']) @ head.T
        d = float(np.abs(lg[-1, :64] - np.array(case['last_logits_head'])).max())
        ok = (lg.argmax(-1) == np.array(case['argmax'])).all() and abs(lg[-1].max() - case['last_max']) < 1e-3
        worst = max(worst, d)
        print(f'{name} len {T}: max|diff| {d:.2e}, argmax/max match: {ok}')
        if not ok or d > 1e-3:
            sys.exit(1)
print(f'golden.json OK (worst {worst:.2e})')
