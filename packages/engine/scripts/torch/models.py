"""The engine's transformer written independently in PyTorch, following Hugging Face's GPT2LMHeadModel and
LlamaForCausalLM code (same tensor names and layouts), for golden fixtures and the speed comparison."""
import math

import torch
import torch.nn.functional as F


def param_specs(cfg):
    """(name, shape, role) in the engine's order; role decides init and weight decay."""
    C, V, L, H, KV = cfg['width'], cfg['vocabSize'], cfg['layers'], cfg['heads'], cfg['kvHeads']
    hd, I = C // H, cfg['mlpHidden']
    specs = []
    if cfg['layout'] == 'gpt2':
        specs += [('transformer.wte.weight', [V, C], 'embedding'), ('transformer.wpe.weight', [cfg['contextLength'], C], 'embedding')]
        for i in range(L):
            p = f'transformer.h.{i}.'
            specs += [(p + 'ln_1.weight', [C], 'norm'), (p + 'ln_1.bias', [C], 'bias'),
                      (p + 'attn.c_attn.weight', [C, (H + 2 * KV) * hd], 'matrix'), (p + 'attn.c_attn.bias', [(H + 2 * KV) * hd], 'bias'),
                      (p + 'attn.c_proj.weight', [C, C], 'matrix'), (p + 'attn.c_proj.bias', [C], 'bias'),
                      (p + 'ln_2.weight', [C], 'norm'), (p + 'ln_2.bias', [C], 'bias'),
                      (p + 'mlp.c_fc.weight', [C, I], 'matrix'), (p + 'mlp.c_fc.bias', [I], 'bias'),
                      (p + 'mlp.c_proj.weight', [I, C], 'matrix'), (p + 'mlp.c_proj.bias', [C], 'bias')]
        specs += [('transformer.ln_f.weight', [C], 'norm'), ('transformer.ln_f.bias', [C], 'bias')]
    else:
        specs += [('model.embed_tokens.weight', [V, C], 'embedding')]
        for i in range(L):
            p = f'model.layers.{i}.'
            specs += [(p + 'input_layernorm.weight', [C], 'norm'),
                      (p + 'self_attn.q_proj.weight', [H * hd, C], 'matrix'), (p + 'self_attn.k_proj.weight', [KV * hd, C], 'matrix'),
                      (p + 'self_attn.v_proj.weight', [KV * hd, C], 'matrix'), (p + 'self_attn.o_proj.weight', [C, H * hd], 'matrix'),
                      (p + 'post_attention_layernorm.weight', [C], 'norm'),
                      (p + 'mlp.gate_proj.weight', [I, C], 'matrix'), (p + 'mlp.up_proj.weight', [I, C], 'matrix'),
                      (p + 'mlp.down_proj.weight', [C, I], 'matrix')]
        specs += [('model.norm.weight', [C], 'norm'), ('lm_head.weight', [V, C], 'matrix')]
    return specs


def init_params(cfg, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    P = {}
    for name, shape, role in param_specs(cfg):
        if role == 'norm':
            t = torch.ones(shape, dtype=dtype) + 0.1 * torch.randn(shape, generator=g, dtype=dtype)  # not 1: tests the norm weights' gradients
        elif role == 'bias':
            t = 0.02 * torch.randn(shape, generator=g, dtype=dtype)
        else:
            t = 0.02 * torch.randn(shape, generator=g, dtype=dtype)
        P[name] = t.requires_grad_(True)
    return P


def repeat_kv(x, heads):
    B, KV, T, hd = x.shape
    return x if KV == heads else x[:, :, None].expand(B, KV, heads // KV, T, hd).reshape(B, heads, T, hd)


def attention(q, k, v, heads, causal):
    T, hd = q.shape[2], q.shape[3]
    k, v = repeat_kv(k, heads), repeat_kv(v, heads)
    att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
    if causal:
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf'))
    return att.softmax(-1) @ v


def rotary(cfg, T, dtype):
    hd = cfg['width'] // cfg['heads']
    inv = cfg['ropeTheta'] ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    emb = torch.cat([freqs, freqs], -1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, -1)
    return torch.cat([-x2, x1], -1)


def heads_of(x, n):
    B, T, W = x.shape
    return x.reshape(B, T, n, W // n).transpose(1, 2)


def forward(P, cfg, ids):
    """logits [B,T,V]"""
    B, T = ids.shape
    C, H, KV, L, eps = cfg['width'], cfg['heads'], cfg['kvHeads'], cfg['layers'], cfg['normEps']
    causal = cfg['attention'] == 'causal'
    hd = C // H
    if cfg['layout'] == 'gpt2':
        x = P['transformer.wte.weight'][ids] + P['transformer.wpe.weight'][:T]
        for i in range(L):
            p = f'transformer.h.{i}.'
            h = F.layer_norm(x, (C,), P[p + 'ln_1.weight'], P[p + 'ln_1.bias'], eps)
            q, k, v = (h @ P[p + 'attn.c_attn.weight'] + P[p + 'attn.c_attn.bias']).split([H * hd, KV * hd, KV * hd], -1)
            y = attention(heads_of(q, H), heads_of(k, KV), heads_of(v, KV), H, causal).transpose(1, 2).reshape(B, T, C)
            x = x + y @ P[p + 'attn.c_proj.weight'] + P[p + 'attn.c_proj.bias']
            h = F.layer_norm(x, (C,), P[p + 'ln_2.weight'], P[p + 'ln_2.bias'], eps)
            h = F.gelu(h @ P[p + 'mlp.c_fc.weight'] + P[p + 'mlp.c_fc.bias'], approximate='tanh')
            x = x + h @ P[p + 'mlp.c_proj.weight'] + P[p + 'mlp.c_proj.bias']
        x = F.layer_norm(x, (C,), P['transformer.ln_f.weight'], P['transformer.ln_f.bias'], eps)
        return x @ P['transformer.wte.weight'].t()

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    cos, sin = rotary(cfg, T, x_dtype(P))
    x = P['model.embed_tokens.weight'][ids]
    for i in range(L):
        p = f'model.layers.{i}.'
        h = rms(x, P[p + 'input_layernorm.weight'])
        q = heads_of(F.linear(h, P[p + 'self_attn.q_proj.weight']), H)
        k = heads_of(F.linear(h, P[p + 'self_attn.k_proj.weight']), KV)
        v = heads_of(F.linear(h, P[p + 'self_attn.v_proj.weight']), KV)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        y = attention(q, k, v, H, causal).transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(y, P[p + 'self_attn.o_proj.weight'])
        h = rms(x, P[p + 'post_attention_layernorm.weight'])
        x = x + F.linear(F.silu(F.linear(h, P[p + 'mlp.gate_proj.weight'])) * F.linear(h, P[p + 'mlp.up_proj.weight']), P[p + 'mlp.down_proj.weight'])
    return F.linear(rms(x, P['model.norm.weight']), P['lm_head.weight'])


def x_dtype(P):
    return next(iter(P.values())).dtype


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=-100)


def decays(role):
    return role == 'matrix'


def clip_(params, max_norm):
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    for p in params:
        p.grad.mul_(coef)
    return norm


def lamb_step(P, specs, state, step, lr, opt):
    """LAMB (You et al. 2019, Algorithm 2) with Adam bias correction, from the paper's formula."""
    b1, b2, eps, wd = opt['beta1'], opt['beta2'], opt['eps'], opt['weightDecay']
    with torch.no_grad():
        for name, _shape, role in specs:
            p = P[name]
            m, v = state.setdefault(name, (torch.zeros_like(p), torch.zeros_like(p)))
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            r = (m / (1 - b1 ** step)) / ((v / (1 - b2 ** step)).sqrt() + eps)
            if decays(role):
                r = r + wd * p
            pn, rn = p.norm(), r.norm()
            trust = pn / rn if pn > 0 and rn > 0 else 1.0
            p.sub_(lr * trust * r)
