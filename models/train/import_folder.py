#!/usr/bin/env python3
"""Turn shipped model folders back into training checkpoints, so later stages can start from the bundled pair
without re-running the earlier ones: models/specdec-target -> ckpt/target_final.pt and models/specdec-draft ->
ckpt/draft2_final.pt (fp16 weights widened to fp32). Checks every tensor name and shape against the config."""
import os
import torch
import st_io
from common import *
from model import LlamaForCausalLM

MODELS = os.path.dirname(HERE)
os.makedirs(CKPT, exist_ok=True)
for folder, name, cfg in [('specdec-target', 'target', TARGET_CFG), ('specdec-draft', 'draft2', DRAFT_CFGS['draft2'])]:
    weights = st_io.read(os.path.join(MODELS, folder, 'model.safetensors'))
    model = LlamaForCausalLM(cfg)
    model.load_state_dict(weights)  # strict: names and shapes must match the config exactly
    torch.save(model.state_dict(), os.path.join(CKPT, f'{name}_final.pt'))
    print(folder, '->', f'ckpt/{name}_final.pt', model.num_params(), 'parameters')
