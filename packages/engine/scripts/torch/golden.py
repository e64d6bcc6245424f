"""Writes the golden fixtures the engine's parity tests compare against (run: /usr/bin/python3 scripts/torch/golden.py).

For a tiny config of each preset (and a bidirectional masked-LM encoder): initial weights, a batch, logits, loss,
every gradient, the losses of 10 AdamW steps and of 10 LAMB steps. The reference runs in float64, so the fixtures
hold the exact answer and the engine's float32 results are measured against it."""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from models import clip_, decays, forward, init_params, lamb_step, loss_of, param_specs  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
DT = torch.float64
STEPS = 10
OPT = {'beta1': 0.9, 'beta2': 0.95, 'eps': 1e-8, 'weightDecay': 0.1, 'maxGradNorm': 1.0}
LRS = [1e-2 * min(1.0, (i + 1) / 3) for i in range(STEPS)]
BASE = {'vocabSize': 64, 'contextLength': 16, 'width': 32, 'layers': 2, 'heads': 4, 'ropeTheta': 10000.0}
CASES = {
    'gpt2-style': dict(BASE, preset='gpt2-style', layout='gpt2', kvHeads=4, mlpHidden=128, normEps=1e-5, attention='causal'),
    'llama-style': dict(BASE, preset='llama-style', layout='llama', kvHeads=2, mlpHidden=88, normEps=1e-6, attention='causal'),
    'masked-lm': dict(BASE, preset='gpt2-style', layout='gpt2', kvHeads=4, mlpHidden=128, normEps=1e-5, attention='bidirectional'),
}
BATCH = 2


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {'__metadata__': metadata}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dtype = {np.float32: 'F32', np.float64: 'F64', np.int32: 'I32'}[a.dtype.type]
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def batches(cfg, g, masked):
    V, T = cfg['vocabSize'], cfg['contextLength']
    ids = torch.randint(0, V - 1, (STEPS, BATCH, T), generator=g)
    if not masked:
        return ids, (ids * 5 + 3) % (V - 1)  # a learnable mapping, so the losses fall
    # masked LM: targets are the original ids at ~15% of positions (-100 elsewhere), inputs carry the mask token V-1 there
    chosen = torch.rand(STEPS, BATCH, T, generator=g) < 0.15
    chosen[:, :, 0] = True
    targets = torch.where(chosen, ids, torch.full_like(ids, -100))
    return torch.where(chosen, torch.full_like(ids, V - 1), ids), targets


def train(cfg, init, ids, targets, optimizer):
    specs = param_specs(cfg)
    P = {k: v.detach().clone().requires_grad_(True) for k, v in init.items()}
    params = [P[n] for n, _, _ in specs]
    adamw = torch.optim.AdamW([
        {'params': [P[n] for n, _, r in specs if decays(r)], 'weight_decay': OPT['weightDecay']},
        {'params': [P[n] for n, _, r in specs if not decays(r)], 'weight_decay': 0.0},
    ], lr=LRS[0], betas=(OPT['beta1'], OPT['beta2']), eps=OPT['eps'])
    lamb_state, losses = {}, []
    for step in range(STEPS):
        for p in params:
            p.grad = None
        loss = loss_of(forward(P, cfg, ids[step]), targets[step])
        loss.backward()
        clip_(params, OPT['maxGradNorm'])
        if optimizer == 'adamw':
            for group in adamw.param_groups:
                group['lr'] = LRS[step]
            adamw.step()
        else:
            lamb_step(P, specs, lamb_state, step + 1, LRS[step], OPT)
        losses.append(loss.item())
    return losses


def main():
    os.makedirs(OUT, exist_ok=True)
    for case, cfg in CASES.items():
        g = torch.Generator().manual_seed(7)
        # weights rounded to float32 (what the fixture stores and the engine starts from), computed on in float64
        init = {k: v.detach().float().to(DT) for k, v in init_params(cfg, DT, seed=11).items()}
        ids, targets = batches(cfg, g, case == 'masked-lm')
        P = {k: v.detach().clone().requires_grad_(True) for k, v in init.items()}
        logits = forward(P, cfg, ids[0])
        loss = loss_of(logits, targets[0])
        loss.backward()
        tensors = {f'weights.{k}': v.detach().float().numpy() for k, v in init.items()}
        tensors.update({f'grad.{k}': v.grad.numpy() for k, v in P.items()})
        tensors['input_ids'] = ids.int().numpy()
        tensors['targets'] = targets.int().numpy()
        tensors['logits'] = logits.detach().numpy()
        tensors['loss'] = np.array([loss.item()])
        tensors['lrs'] = np.array(LRS)
        for opt in ('adamw', 'lamb'):
            tensors[f'{opt}.losses'] = np.array(train(cfg, init, ids, targets, opt))
        model = {k: cfg[k] for k in ('preset', 'vocabSize', 'contextLength', 'width', 'layers', 'heads', 'kvHeads', 'mlpHidden', 'attention')}
        meta = {'model': json.dumps(model), 'optimizer': json.dumps(OPT), 'torch': torch.__version__}
        path = os.path.join(OUT, f'golden-{case}.safetensors')
        write_safetensors(path, tensors, meta)
        print(f'{path}: loss {loss.item():.6f}, adamw losses {tensors["adamw.losses"][0]:.4f} -> {tensors["adamw.losses"][-1]:.4f}, '
              f'lamb {tensors["lamb.losses"][0]:.4f} -> {tensors["lamb.losses"][-1]:.4f}, {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    torch.manual_seed(0)
    main()
