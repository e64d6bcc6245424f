"""Times one training step (forward, backward, global-norm clipping, AdamW) of the engine's transformer in PyTorch.
Usage: <python> scripts/torch/bench_step.py '<model config json>' <batch> <steps> <threads> [<warmup steps>]
Runs <warmup steps> (default 2) untimed steps, then <steps> timed ones, and prints one JSON line:
{"min_ms", "median_ms", "cpu_ms" (process CPU time per timed step, all threads), "faults" (minor page faults per
timed step), "torch": version, "threads": n}.
The engine's benchmark (bench/engine.ts) runs its own side the same way, each side in its own process."""
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from models import clip_, decays, forward, init_params, loss_of, param_specs  # noqa: E402


def main():
    cfg, batch, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 2
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
    times, cpu, faults = [], 0.0, 0
    for i in range(warmup + steps):
        ids = torch.randint(0, V, (batch, T), generator=g)
        tgt = torch.randint(0, V, (batch, T), generator=g)
        t0, c0, f0 = time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        opt.zero_grad(set_to_none=True)
        loss = loss_of(forward(P, cfg, ids), tgt)
        loss.backward()
        clip_(params, 1.0)
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
            faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    measured = sorted(times)
    print(json.dumps({'min_ms': measured[0] * 1e3, 'median_ms': measured[len(measured) // 2] * 1e3,
                      'cpu_ms': cpu / steps * 1e3, 'faults': faults / steps, 'torch': torch.__version__, 'threads': threads}))


if __name__ == '__main__':
    main()
