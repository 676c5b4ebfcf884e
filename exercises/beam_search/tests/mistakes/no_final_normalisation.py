"""Mistake: the final choice and the score use the raw sum, ignoring length_penalty."""

import torch


def beam_search(step_fn, bos: int, eos: int, beam_size: int, max_len: int,
                length_penalty: float = 0.0) -> tuple[list[int], float]:
    beam = [([], 0.0)]                     # unfinished hypotheses: (tokens after bos, sum of their log-probs)
    finished = []
    for _ in range(max_len):
        prefixes = torch.tensor([[bos] + tokens for tokens, _ in beam], dtype=torch.long)
        rows = step_fn(prefixes).tolist()                       # (len(beam), V) log-probs
        candidates = [(tokens + [v], total + lp)
                      for i, (tokens, total) in enumerate(beam)
                      for v, lp in enumerate(rows[i])]
        candidates.sort(key=lambda c: c[1], reverse=True)       # rank by the raw running sum
        beam = []
        for tokens, total in candidates[:beam_size]:
            (finished if tokens[-1] == eos else beam).append((tokens, total))
        if not beam:
            break
    finished += beam                       # still unfinished at max_len: cut off, and they compete too
    return max(finished, key=lambda h: h[1])
