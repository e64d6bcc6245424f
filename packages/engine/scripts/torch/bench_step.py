"""Times one training step (forward, backward, global-norm clipping, AdamW) of the engine's transformer in PyTorch.
Usage: /usr/bin/python3 scripts/torch/bench_step.py '<model config json>' <batch> <steps> <threads>
Prints one JSON line: {"ms_per_step": median, "min_ms": ..., "torch": version, "threads": n}."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from models import clip_, decays, forward, init_params, loss_of, param_specs  # noqa: E402


def main():
    cfg, batch, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    P = init_params(cfg, torch.float32, seed=1)
    specs = param_specs(cfg)
    params = [P[n] for n, _, _ in specs]
    opt = torch.optim.AdamW([
        {'params': [P[n] for n, _, r in specs if decays(r)], 'weight_decay': 0.1},
        {'params': [P[n] for n, _, r in specs if not decays(r)], 'weight_decay': 0.0},
    ], lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(0)
    V, T = cfg['vocabSize'], cfg['contextLength']
    times = []
    for i in range(steps + 2):
        ids = torch.randint(0, V, (batch, T), generator=g)
        tgt = torch.randint(0, V, (batch, T), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_of(forward(P, cfg, ids), tgt)
        loss.backward()
        clip_(params, 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
    measured = sorted(times[2:])
    print(json.dumps({'ms_per_step': measured[len(measured) // 2] * 1e3, 'min_ms': measured[0] * 1e3, 'torch': torch.__version__, 'threads': threads}))


if __name__ == '__main__':
    main()
