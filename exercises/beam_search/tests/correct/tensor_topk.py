"""Correct: the beam as tensors; one flat topk over all (hypothesis, token) pairs per step."""

import torch


def beam_search(step_fn, bos, eos, beam_size, max_len, length_penalty=0.0):
    prefixes = torch.full((1, 1), bos, dtype=torch.long)        # (n, 1 + t): bos, then the tokens
    scores = torch.zeros(1, dtype=torch.float64)                 # (n,) running sums
    finished = []                                                # (normalised score, tokens)
    for t in range(1, max_len + 1):
        log_probs = step_fn(prefixes)                            # (n, V)
        vocab = log_probs.shape[1]
        totals = (scores[:, None] + log_probs).reshape(-1)       # (n * V,)
        best, flat = totals.topk(min(beam_size, totals.numel()))
        rows, tokens = flat // vocab, flat % vocab
        grown = torch.cat([prefixes[rows], tokens[:, None]], dim=1)
        done = tokens == eos
        for seq, total in zip(grown[done], best[done], strict=True):
            finished.append((float(total) / t ** length_penalty, seq[1:].tolist()))
        prefixes, scores = grown[~done], best[~done]
        if prefixes.shape[0] == 0:
            break
    for seq, total in zip(prefixes, scores, strict=True):
        finished.append((float(total) / max_len ** length_penalty, seq[1:].tolist()))
    score, tokens = max(finished, key=lambda f: f[0])
    return tokens, score
