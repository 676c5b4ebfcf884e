"""Mistake: each hypothesis keeps its own beam_size best tokens, with no global pruning across beams."""

import torch


def beam_search(step_fn, bos: int, eos: int, beam_size: int, max_len: int,
                length_penalty: float = 0.0) -> tuple[list[int], float]:
    beam = [([], 0.0)]                     # unfinished hypotheses: (tokens after bos, sum of their log-probs)
    finished = []
    for _ in range(max_len):
        prefixes = torch.tensor([[bos] + tokens for tokens, _ in beam], dtype=torch.long)
        rows = step_fn(prefixes).tolist()                       # (len(beam), V) log-probs
        candidates = []
        for (tokens, total), row in zip(beam, rows, strict=True):
            mine = sorted(((tokens + [v], total + lp) for v, lp in enumerate(row)), key=lambda c: c[1], reverse=True)
            candidates += mine[:beam_size]
        beam = []
        for tokens, total in candidates:
            (finished if tokens[-1] == eos else beam).append((tokens, total))
        if not beam:
            break
    finished += beam                       # still unfinished at max_len: cut off, and they compete too
    tokens, total = max(finished, key=lambda h: h[1] / len(h[0]) ** length_penalty)
    return tokens, total / len(tokens) ** length_penalty
