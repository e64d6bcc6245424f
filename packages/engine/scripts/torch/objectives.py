"""Reference values for the post-training objectives, written to fixtures/objectives/*.json.

Run with Debian's PyTorch:  /usr/bin/python3 packages/engine/scripts/torch/objectives.py
The tests read the committed JSON; PyTorch is not needed to run them.

Each formula below is written the way its paper / TRL writes it, in float64, on small fixed inputs drawn as
float32 (so the float32 engine sees exactly the same inputs). Every fixture holds the inputs, the scalar outputs
and the gradient of each loss with respect to the tensor inputs (logits, scores, log-probs, values).
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "objectives")
gen = torch.Generator().manual_seed(20240601)


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=gen) * scale).float().double()


def f32(t):
    """Round to float32 and back: every input the engine reads must be exactly representable in float32."""
    return t.detach().float().double()


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def write(name, doc):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", name)


def grad_of(loss, x):
    (g,) = torch.autograd.grad(loss, x, retain_graph=True)
    return g


# ---------------------------------------------------------------- SFT
def token_logps(logits, labels):
    """log p(label) per position; positions labelled -100 give 0."""
    mask = labels != -100
    safe = labels.clamp(min=0)
    lp = torch.log_softmax(logits, -1).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return lp * mask, mask


def sft():
    # Masked cross-entropy: mean over positions whose label is not -100 (HF/TRL ignore_index), i.e.
    # loss = -sum_{t: y_t != -100} log softmax(z_t)[y_t] / #{t: y_t != -100}.
    B, T, V = 2, 6, 7
    logits = randn(B, T, V, scale=2.0).requires_grad_()
    labels = torch.randint(0, V, (B, T), generator=gen)
    labels[0, :2] = -100  # prompt tokens of conversation 0
    labels[1, :3] = -100
    labels[1, 5] = -100  # padding
    loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100, reduction="mean")
    write("sft", {
        "formula": "mean over labels != -100 of -log_softmax(logits)[label]",
        "inputs": {"logits": tensor(logits), "labels": tensor(labels)},
        "outputs": {"loss": loss.item()},
        "grads": {"logits": tensor(grad_of(loss, logits))},
    })


# ---------------------------------------------------------------- reward model
def ranking_to_pairs(groups):
    """groups: list of (first_index, ranks) -- lower rank is better, equal ranks are ties and give no pair.
    Returns (chosen, rejected, weight): InstructGPT (Ouyang et al. 2022, eq. 1) averages the C(K,2) comparisons of
    one prompt, then averages prompts, so each pair weighs 1 / (#prompts * #pairs of its prompt)."""
    chosen, rejected, prompt_of = [], [], []
    for p, (start, ranks) in enumerate(groups):
        for i in range(len(ranks)):
            for j in range(len(ranks)):
                if ranks[i] < ranks[j]:
                    chosen.append(start + i)
                    rejected.append(start + j)
                    prompt_of.append(p)
    counts = [prompt_of.count(p) for p in range(len(groups))]
    prompts_with_pairs = sum(1 for c in counts if c > 0)
    weight = [1.0 / (prompts_with_pairs * counts[p]) for p in prompt_of]
    return chosen, rejected, weight


def reward():
    # Bradley-Terry: loss = sum_pairs w * -log sigmoid(r_chosen - r_rejected - margin)
    #                      + centring * sum_pairs w * (r_chosen + r_rejected)^2      (TRL center_rewards_coefficient)
    # ranks: one prompt with 4 responses and a tie, one with 3, one with 2 all tied (no pair at all).
    rankings = [[0, 1, 1, 2], [2, 0, 1], [0, 0]]
    groups, start = [], 0
    for ranks in rankings:
        groups.append((start, ranks))
        start += len(ranks)
    chosen, rejected, weight = ranking_to_pairs(groups)
    n = start
    cases = []
    for margin_kind, centring in (("none", 0.0), ("rank-gap", 0.0), ("rank-gap", 0.01)):
        scores = randn(n).requires_grad_()
        flat_ranks = [r for ranks in rankings for r in ranks]
        margin = torch.tensor([
            float(flat_ranks[j] - flat_ranks[i]) * 0.5 if margin_kind == "rank-gap" else 0.0
            for i, j in zip(chosen, rejected)
        ], dtype=torch.float64)
        w = torch.tensor(weight, dtype=torch.float64)
        rc, rr = scores[chosen], scores[rejected]
        loss = (w * -F.logsigmoid(rc - rr - margin)).sum() + centring * (w * (rc + rr) ** 2).sum()
        cases.append({
            "centring": centring,
            "inputs": {"scores": tensor(scores), "margin": tensor(margin)},
            "outputs": {
                "loss": loss.item(),
                "accuracy": (w * (rc > rr).double()).sum().item(),
                "margin": (w * (rc - rr)).sum().item(),
            },
            "grads": {"scores": tensor(grad_of(loss, scores))},
        })
    write("reward", {
        "formula": "sum w*(-logsigmoid(r_c - r_r - m)) + centring * sum w*(r_c + r_r)^2, w = 1/(#prompts * #pairs of the prompt)",
        "rankings": rankings,
        "pairs": {"chosen": chosen, "rejected": rejected, "weight": weight},
        "cases": cases,
    })


# ---------------------------------------------------------------- DPO
def dpo_losses(pc, pr, rc, rr, beta, label_smoothing, kind):
    # Rafailov et al. 2023: h = (log pi(y_w) - log pi(y_l)) - (log ref(y_w) - log ref(y_l)).
    h = (pc - pr) - (rc - rr)
    if kind == "sigmoid":
        # cDPO (Mitchell 2023) / TRL label_smoothing: the preference label is flipped with probability eps.
        losses = -F.logsigmoid(beta * h) * (1 - label_smoothing) - F.logsigmoid(-beta * h) * label_smoothing
    else:
        # IPO (Azar et al. 2023): (h - 1/(2 beta))^2, h from length-averaged log-probs (the caller averages).
        losses = (h - 1 / (2 * beta)) ** 2
    return losses.mean()


def dpo():
    B = 4
    cases = []
    for kind, beta, ls in (("sigmoid", 0.1, 0.0), ("sigmoid", 0.5, 0.2), ("ipo", 0.1, 0.0)):
        pc, pr = randn(B, scale=3.0).sub(20).requires_grad_(), randn(B, scale=3.0).sub(20).requires_grad_()
        rc, rr = randn(B, scale=3.0).sub(20), randn(B, scale=3.0).sub(20)
        loss = dpo_losses(pc, pr, rc, rr, beta, ls, kind)
        chosen_rewards, rejected_rewards = beta * (pc - rc), beta * (pr - rr)
        cases.append({
            "lossType": kind, "beta": beta, "labelSmoothing": ls,
            "inputs": {"policyChosen": tensor(pc), "policyRejected": tensor(pr),
                       "referenceChosen": tensor(rc), "referenceRejected": tensor(rr)},
            "outputs": {
                "loss": loss.item(),
                "rewards/chosen": chosen_rewards.mean().item(),
                "rewards/rejected": rejected_rewards.mean().item(),
                "rewards/margins": (chosen_rewards - rejected_rewards).mean().item(),
                "rewards/accuracies": (chosen_rewards > rejected_rewards).double().mean().item(),
            },
            "grads": {"policyChosen": tensor(grad_of(loss, pc)), "policyRejected": tensor(grad_of(loss, pr))},
        })

    # The whole chain from logits: sequence log-prob = sum of response-token log-probs (labels -100 elsewhere);
    # rows 0..B-1 are the chosen sequences, rows B..2B-1 the rejected ones.
    B, T, V, beta = 2, 5, 6, 0.1
    logits = randn(2 * B, T, V, scale=2.0).requires_grad_()
    labels = torch.randint(0, V, (2 * B, T), generator=gen)
    labels[:, :2] = -100
    labels[1, 4] = -100
    labels[3, 3:] = -100
    lp, _ = token_logps(logits, labels)
    seq = lp.sum(-1)
    ref = f32(randn(2 * B, scale=2.0).add(seq.detach()))
    loss = dpo_losses(seq[:B], seq[B:], ref[:B], ref[B:], beta, 0.0, "sigmoid")
    # RPO (Pang et al. 2024; TRL rpo_alpha): + alpha * cross-entropy of the chosen rows (mean over their tokens).
    rpo_alpha = 0.5
    nll = F.cross_entropy(logits[:B].reshape(-1, V), labels[:B].reshape(-1), ignore_index=-100)
    rpo_loss = loss + rpo_alpha * nll
    write("dpo", {
        "formula": "mean over pairs of -logsigmoid(beta h)(1-eps) - logsigmoid(-beta h) eps, or (h - 1/(2 beta))^2 for IPO",
        "cases": cases,
        "fromLogits": {
            "beta": beta,
            "inputs": {"logits": tensor(logits), "labels": tensor(labels), "referenceLogps": tensor(ref)},
            "outputs": {"loss": loss.item(), "sequenceLogps": tensor(seq)},
            "grads": {"logits": tensor(grad_of(loss, logits))},
        },
        "rpo": {"rpoAlpha": rpo_alpha, "loss": rpo_loss.item(), "grads": {"logits": tensor(grad_of(rpo_loss, logits))}},
    })


# ---------------------------------------------------------------- PPO
def masked_mean(x, mask):
    return (x * mask).sum() / mask.sum()


def masked_whiten(x, mask):
    # TRL masked_whiten with shift_mean=True; masked_var uses Bessel's correction.
    mean = masked_mean(x, mask)
    centred = x - mean
    var = masked_mean(centred ** 2, mask) * mask.sum() / (mask.sum() - 1)
    return (x - mean) * torch.rsqrt(var + 1e-8)


def gae(rewards, values, mask, gamma, lam):
    # Schulman et al. 2016: delta_t = r_t + gamma V_{t+1} - V_t, A_t = delta_t + gamma lam A_{t+1};
    # positions past the response (mask 0) are terminal: their value and advantage are 0.
    B, T = rewards.shape
    values = values * mask
    rewards = rewards * mask
    adv = torch.zeros_like(rewards)
    last = torch.zeros(B, dtype=rewards.dtype)
    for t in reversed(range(T)):
        next_v = values[:, t + 1] if t + 1 < T else torch.zeros(B, dtype=rewards.dtype)
        delta = rewards[:, t] + gamma * next_v - values[:, t]
        last = delta + gamma * lam * last
        adv[:, t] = last
    return adv * mask, (adv + values) * mask


def ppo():
    B, T, V = 3, 5, 6
    mask = torch.ones(B, T, dtype=torch.float64)
    mask[1, 4] = 0
    mask[2, 2:] = 0
    tokens = torch.randint(0, V, (B, T), generator=gen)

    # Per-token KL penalty (Ziegler et al. 2019, TRL): kl_t = log pi(a_t) - log ref(a_t);
    # reward_t = -kl_coef * kl_t, plus the reward model's score on the last response token.
    logprobs, ref_logprobs = randn(B, T).sub(1.5), randn(B, T).sub(1.5)
    scores = randn(B)
    kl_coef = 0.05
    kl = (logprobs - ref_logprobs) * mask
    non_score = -kl_coef * kl
    rewards = non_score.clone()
    last = mask.sum(1).long() - 1
    rewards[torch.arange(B), last] += scores
    values = randn(B, T) * mask
    gamma, lam = 1.0, 0.95
    adv, returns = gae(rewards, values, mask, gamma, lam)
    whitened = masked_whiten(adv, mask) * mask
    write("ppo_rewards", {
        "formula": "r_t = -kl_coef (logp_t - ref_t) + score at the last token; GAE(gamma, lam); masked whitening",
        "klCoef": kl_coef, "gamma": gamma, "lam": lam,
        "inputs": {"logprobs": tensor(logprobs), "refLogprobs": tensor(ref_logprobs), "scores": tensor(scores),
                   "values": tensor(values), "mask": tensor(mask)},
        "outputs": {
            "rewards": tensor(rewards), "advantages": tensor(adv), "returns": tensor(returns),
            "whitenedAdvantages": tensor(whitened),
            "objective/kl": kl.sum(1).mean().item(),
            "objective/rlhf_reward": (non_score.sum(1) + scores).mean().item(),
        },
    })

    # Clipped policy loss (Schulman et al. 2017; TRL PPOTrainer): ratio = exp(logp - old_logp);
    # pg = masked_mean(max(-A ratio, -A clip(ratio, 1-eps, 1+eps))). Entropy and approx KL are reported.
    cliprange = 0.2
    logits = randn(B, T, V, scale=1.5).requires_grad_()
    new_lp = torch.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    old_lp = f32(new_lp + randn(B, T, scale=0.3))
    adv_in, returns_in = f32(whitened), f32(returns)
    ratio = torch.exp(new_lp - old_lp)
    pg1 = -adv_in * ratio
    pg2 = -adv_in * torch.clamp(ratio, 1 - cliprange, 1 + cliprange)
    pg_loss = masked_mean(torch.max(pg1, pg2), mask)
    probs = torch.softmax(logits, -1)
    entropy_tok = torch.logsumexp(logits, -1) - (probs * logits).sum(-1)
    entropy = masked_mean(entropy_tok, mask)

    # Clipped value loss: 0.5 * masked_mean(max((v - R)^2, (clip(v, v_old - c, v_old + c) - R)^2)).
    cliprange_value = 0.2
    vpred = f32(values + randn(B, T, scale=0.4)).requires_grad_()
    vclipped = torch.clamp(vpred, values - cliprange_value, values + cliprange_value)
    vf1, vf2 = (vpred - returns_in) ** 2, (vclipped - returns_in) ** 2
    vf_loss = 0.5 * masked_mean(torch.max(vf1, vf2), mask)
    vf_coef = 0.1
    loss = pg_loss + vf_coef * vf_loss
    write("ppo_loss", {
        "formula": "pg = masked_mean(max(-A r, -A clip(r,1-eps,1+eps))); vf = 0.5 masked_mean(max((v-R)^2,(clip(v)-R)^2)); loss = pg + vf_coef vf",
        "cliprange": cliprange, "cliprangeValue": cliprange_value, "vfCoef": vf_coef,
        "inputs": {"logits": tensor(logits), "tokens": tensor(tokens), "mask": tensor(mask),
                   "oldLogprobs": tensor(old_lp), "advantages": tensor(adv_in), "values": tensor(vpred),
                   "oldValues": tensor(values), "returns": tensor(returns_in)},
        "outputs": {
            "loss": loss.item(),
            "loss/policy": pg_loss.item(),
            "loss/value": vf_loss.item(),
            "policy/entropy": entropy.item(),
            "policy/clipfrac": masked_mean((pg2 > pg1).double(), mask).item(),
            "policy/approxkl": (0.5 * masked_mean((new_lp - old_lp) ** 2, mask)).item(),
            "val/clipfrac": masked_mean((vf2 > vf1).double(), mask).item(),
            "val/ratio": masked_mean(ratio, mask).item(),
        },
        "grads": {
            "logits": tensor(grad_of(loss, logits)),
            "values": tensor(grad_of(loss, vpred)),
            "entropyLogits": tensor(grad_of(entropy, logits)),
        },
    })


def gae_hand_worked():
    # Also used by the TypeScript GAE test: small enough to check by hand (see test/objectives/gae.test.ts).
    rewards = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)
    values = torch.tensor([[0.5, 0.5, 0.5]], dtype=torch.float64)
    mask = torch.ones(1, 3, dtype=torch.float64)
    adv, ret = gae(rewards, values, mask, 0.9, 0.8)
    write("gae_small", {
        "gamma": 0.9, "lam": 0.8,
        "inputs": {"rewards": tensor(rewards), "values": tensor(values), "mask": tensor(mask)},
        "outputs": {"advantages": tensor(adv), "returns": tensor(ret)},
    })


def ppo_reward_options():
    # KL estimators of Schulman's "Approximating KL divergence" (TRL kl_estimator): with r = ref / pi,
    # k1 = -log r = logp - ref, k3 = (r - 1) - log r. Reward normalisation (OpenRLHF normalize_reward) with the
    # running mean and unbiased std of every score so far (here two batches), then clipping (reward_clip_range).
    B, T = 3, 4
    mask = torch.ones(B, T, dtype=torch.float64)
    mask[1, 3] = 0
    logprobs, ref_logprobs = randn(B, T).sub(1.5), randn(B, T).sub(1.5)
    log_r = ref_logprobs - logprobs
    k1 = -log_r * mask
    k3 = (torch.exp(log_r) - 1 - log_r) * mask
    first, second = randn(5, scale=2.0), randn(B, scale=2.0).add(1.0)
    seen = torch.cat([first, second])
    normalised = (second - seen.mean()) / (seen.std() + 1e-8)
    clip = (-1.0, 1.0)
    write("ppo_reward_options", {
        "formula": "k1 = logp - ref, k3 = (e^(ref-logp) - 1) - (ref-logp); scores standardised by every score so far, then clipped",
        "clipRange": list(clip),
        "inputs": {"logprobs": tensor(logprobs), "refLogprobs": tensor(ref_logprobs), "mask": tensor(mask),
                   "firstScores": tensor(first), "secondScores": tensor(second)},
        "outputs": {"k1": tensor(k1), "k3": tensor(k3), "normalised": tensor(normalised),
                    "clipped": tensor(normalised.clamp(*clip)), "mean": seen.mean().item(),
                    "std": seen.std().item()},
    })


def group_advantages(rewards, G, scale_rewards):
    # TRL GRPOTrainer: A = r - mean of the prompt's group; "group" divides by the group's std, "batch" by the
    # whole batch's (both torch.std, unbiased), "none" does not scale; + 1e-4 keeps equal groups at A = 0.
    grouped = rewards.view(-1, G)
    adv = (grouped - grouped.mean(1, keepdim=True)).reshape(-1)
    if scale_rewards == "group":
        adv = adv / (grouped.std(1).repeat_interleave(G) + 1e-4)
    elif scale_rewards == "batch":
        adv = adv / (rewards.std() + 1e-4)
    return adv


def grpo_loss(logits, tokens, mask, old_lp, ref_lp, adv, beta, eps_low, eps_high, loss_type, max_len):
    # Shao et al. 2024 (DeepSeekMath) as TRL computes it: per token -min(r A, clip(r, 1-eps_low, 1+eps_high) A)
    # + beta k3(pi, ref); aggregated per response then over responses ("grpo"), over all tokens ("dapo", Yu et al.
    # 2025) or as a sum over B x max_completion_length ("dr_grpo", Liu et al. 2025).
    lp = torch.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    ratio = torch.exp(lp - old_lp)
    A = adv.unsqueeze(1)
    per = -torch.min(ratio * A, torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * A)
    k3 = torch.exp(ref_lp - lp) - (ref_lp - lp) - 1
    if beta != 0:
        per = per + beta * k3
    if loss_type == "grpo":
        loss = ((per * mask).sum(1) / mask.sum(1).clamp(min=1)).mean()
    elif loss_type == "dapo":
        loss = (per * mask).sum() / mask.sum().clamp(min=1)
    else:
        loss = (per * mask).sum() / (mask.shape[0] * max_len)
    low = (ratio < 1 - eps_low) & (A < 0)
    high = (ratio > 1 + eps_high) & (A > 0)
    metrics = {
        "kl": masked_mean(k3, mask).item(),
        "clip_ratio/low_mean": masked_mean(low.double(), mask).item(),
        "clip_ratio/high_mean": masked_mean(high.double(), mask).item(),
        "clip_ratio/region_mean": masked_mean((low | high).double(), mask).item(),
    }
    return loss, metrics


def grpo():
    G = 4
    rewards = f32(torch.cat([randn(G), torch.full((G,), 0.5), randn(G, scale=3.0)]))
    advantages = {s: tensor(group_advantages(rewards, G, s)) for s in ("group", "batch", "none")}
    B, T, V = 4, 5, 6
    mask = torch.ones(B, T, dtype=torch.float64)
    mask[1, 3:] = 0
    mask[3, 1:] = 0
    tokens = torch.randint(0, V, (B, T), generator=gen)
    logits = randn(B, T, V, scale=1.5).requires_grad_()
    lp = torch.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    old_lp = f32(lp + randn(B, T, scale=0.3))
    ref_lp = f32(lp + randn(B, T, scale=0.5))
    adv = f32(randn(B))
    beta, eps_low, eps_high, max_len = 0.04, 0.2, 0.28, 7
    losses = {}
    for loss_type in ("grpo", "dr_grpo", "dapo"):
        loss, metrics = grpo_loss(logits, tokens, mask, old_lp, ref_lp, adv, beta, eps_low, eps_high, loss_type, max_len)
        losses[loss_type] = {"loss": loss.item(), "grad": tensor(grad_of(loss, logits)), **metrics}
    no_kl, _ = grpo_loss(logits, tokens, mask, old_lp, ref_lp, adv, 0.0, eps_low, eps_high, "grpo", max_len)
    write("grpo", {
        "formula": "A = (r - group mean) / (std + 1e-4); per-token -min(rA, clip(r)A) + beta k3; grpo / dr_grpo / dapo aggregation",
        "groupSize": G, "beta": beta, "epsilon": eps_low, "epsilonHigh": eps_high, "maxCompletionLength": max_len,
        "inputs": {"rewards": tensor(rewards), "logits": tensor(logits), "tokens": tensor(tokens), "mask": tensor(mask),
                   "oldLogprobs": tensor(old_lp), "refLogprobs": tensor(ref_lp), "advantages": tensor(adv)},
        "outputs": {"advantages": advantages, "losses": losses,
                    "noKl": {"loss": no_kl.item(), "grad": tensor(grad_of(no_kl, logits))}},
    })


def rloo():
    # Ahmadian et al. 2024 as TRL's RLOOTrainer: the KL to the reference (sum over the response of
    # logp - ref) times beta is subtracted from each reward, then A_i = r_i - mean of the other k - 1 rewards.
    k = 4
    scores = f32(torch.cat([randn(k), torch.full((k,), -0.25)]))
    kl = f32(randn(2 * k, scale=0.5).abs())
    beta = 0.05
    r = (scores - beta * kl).view(-1, k)
    baseline = (r.sum(1, keepdim=True) - r) / (k - 1)
    adv = (r - baseline).reshape(-1)
    normalised = (adv - adv.mean()) / (adv.std() + 1e-4)
    write("rloo", {
        "formula": "r = score - beta kl; A_i = r_i - sum_{j != i} r_j / (k - 1); optionally standardised",
        "k": k, "beta": beta,
        "inputs": {"scores": tensor(scores), "kl": tensor(kl)},
        "outputs": {"advantages": tensor(adv), "normalised": tensor(normalised)},
    })


def dpo_variants():
    # More preference losses on sequence log-probs (h as in dpo_losses); each case holds the loss, the
    # implicit-reward metrics and the gradients with respect to the policy's log-probs.
    B = 4
    cases = []

    def log_odds(p):
        return p - torch.log1p(-torch.exp(p))

    for kind, beta, eps, free in (("hinge", 0.1, 0.0, False), ("robust", 0.5, 0.2, False), ("sigmoid", 0.1, 0.0, True),
                                  ("simpo", 2.0, 0.1, True), ("orpo", 0.1, 0.0, True)):
        averaged = kind in ("simpo", "orpo")
        # length-averaged log-probs are about -1 a token; sums about -20 a response
        centre, spread = (-1.5, 0.4) if averaged else (-20.0, 3.0)
        pc = f32(randn(B, scale=spread).add(centre).clamp(max=-0.05)).requires_grad_()
        pr = f32(randn(B, scale=spread).add(centre).clamp(max=-0.05)).requires_grad_()
        rc = torch.zeros(B) if free else f32(randn(B, scale=spread).add(centre))
        rr = torch.zeros(B) if free else f32(randn(B, scale=spread).add(centre))
        h = (pc - pr) - (rc - rr)
        nll = f32(torch.tensor(1.7))
        gamma = 0.5
        if kind == "hinge":
            # SLiC (Zhao et al. 2023), TRL loss_type "hinge"
            losses = torch.relu(1 - beta * h)
        elif kind == "robust":
            # Chowdhury et al. 2024, TRL loss_type "robust"
            losses = (-F.logsigmoid(beta * h) * (1 - eps) + F.logsigmoid(-beta * h) * eps) / (1 - 2 * eps)
        elif kind == "simpo":
            # Meng et al. 2024 as TRL's CPOTrainer: logits = h - gamma / beta, label-smoothed logistic loss of beta logits
            x = beta * (h - gamma / beta)
            losses = -F.logsigmoid(x) * (1 - eps) - F.logsigmoid(-x) * eps
        elif kind == "orpo":
            # Hong et al. 2024 as TRL's ORPOTrainer: NLL(chosen) - beta * logsigmoid(log odds ratio)
            losses = -beta * F.logsigmoid(log_odds(pc) - log_odds(pr))
        else:
            losses = -F.logsigmoid(beta * h)
        loss = losses.mean() + (nll if kind == "orpo" else 0)
        chosen_rewards, rejected_rewards = beta * (pc - rc), beta * (pr - rr)
        cases.append({
            "lossType": kind, "beta": beta, "labelSmoothing": eps, "referenceFree": free, "simpoGamma": gamma,
            "inputs": {"policyChosen": tensor(pc), "policyRejected": tensor(pr), "referenceChosen": tensor(rc),
                       "referenceRejected": tensor(rr), "chosenNll": tensor(nll)},
            "outputs": {
                "loss": loss.item(),
                "rewards/chosen": chosen_rewards.mean().item(),
                "rewards/rejected": rejected_rewards.mean().item(),
                "rewards/margins": (chosen_rewards - rejected_rewards).mean().item(),
                "rewards/accuracies": (chosen_rewards > rejected_rewards).double().mean().item(),
            },
            "grads": {"policyChosen": tensor(grad_of(loss, pc)), "policyRejected": tensor(grad_of(loss, pr))},
        })
    write("dpo_variants", {"formula": "hinge, robust, reference-free sigmoid, SimPO and ORPO losses", "cases": cases})


def kto():
    # Ethayarajh et al. 2024 as TRL's KTOTrainer (loss_type "kto"): r = policy - reference (summed log-probs);
    # z0 = mean(policy_KL - reference_KL) over mismatched pairs, clamped at 0 and detached;
    # desirable: w_d (1 - sigmoid(beta (r - z0))), undesirable: w_u (1 - sigmoid(beta (z0 - r))); mean over the batch.
    B = 6
    policy = f32(randn(B, scale=3.0).sub(20)).requires_grad_()
    reference = f32(randn(B, scale=3.0).sub(20))
    label = torch.tensor([1, 0, 1, 1, 0, 0], dtype=torch.float64)
    kl_policy = f32(randn(B, scale=3.0).sub(19))
    kl_reference = f32(randn(B, scale=3.0).sub(20))
    z0 = (kl_policy - kl_reference).mean().clamp(min=0).detach()
    beta, wd, wu = 0.1, 1.0, 1.33
    r = policy - reference
    desirable = wd * (1 - torch.sigmoid(beta * (r - z0)))
    undesirable = wu * (1 - torch.sigmoid(beta * (z0 - r)))
    loss = torch.where(label > 0, desirable, undesirable).mean()
    rewards = beta * r
    write("kto", {
        "formula": "desirable w_d (1 - sigmoid(beta (r - z0))), undesirable w_u (1 - sigmoid(beta (z0 - r))), z0 = max(0, mean KL of mismatched pairs)",
        "beta": beta, "desirableWeight": wd, "undesirableWeight": wu,
        "inputs": {"policy": tensor(policy), "reference": tensor(reference), "label": tensor(label),
                   "klPolicy": tensor(kl_policy), "klReference": tensor(kl_reference)},
        "outputs": {"kl": z0.item(), "loss": loss.item(),
                    "rewards/chosen": rewards[label > 0].mean().item(),
                    "rewards/rejected": rewards[label == 0].mean().item()},
        "grads": {"policy": tensor(grad_of(loss, policy))},
    })


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    sft()
    reward()
    dpo()
    ppo()
    gae_hand_worked()
    ppo_reward_options()
    grpo()
    rloo()
    dpo_variants()
    kto()
