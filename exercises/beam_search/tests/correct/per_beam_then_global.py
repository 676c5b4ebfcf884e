"""Correct: each hypothesis's beam_size best tokens first, then the global beam_size best of those.

The global top-k never needs more than k tokens from one hypothesis, so pre-selecting each
hypothesis's top k loses nothing; it keeps the candidate list at k*k instead of k*V."""

from dataclasses import dataclass

import torch


@dataclass
class Hyp:
    tokens: list
    logp: float

    def score(self, alpha):
        return self.logp / len(self.tokens) ** alpha


def beam_search(step_fn, bos, eos, beam_size, max_len, length_penalty=0.0):
    alive, done = [Hyp([], 0.0)], []
    step = 0
    while alive and step < max_len:
        step += 1
        batch = torch.stack([torch.tensor([bos, *h.tokens], dtype=torch.int64) for h in alive])
        log_probs = step_fn(batch)
        k = min(beam_size, log_probs.shape[1])
        top_lp, top_ids = torch.topk(log_probs, k, dim=1)
        pool = [Hyp(h.tokens + [int(i)], h.logp + float(lp))
                for h, lps, ids in zip(alive, top_lp, top_ids, strict=True)
                for lp, i in zip(lps, ids, strict=True)]
        pool.sort(key=lambda h: -h.logp)
        kept = pool[:beam_size]
        done += [h for h in kept if h.tokens[-1] == eos]
        alive = [h for h in kept if h.tokens[-1] != eos]
    winner = max(done + alive, key=lambda h: h.score(length_penalty))
    return winner.tokens, winner.score(length_penalty)
