"""Correct: heapq.nlargest over a generator of candidates, one step_fn call per hypothesis.

A finished hypothesis is scored when it finishes: its length can no longer change, so dividing
by len**alpha then is the same as dividing at the end."""

import heapq
import itertools

import torch


def beam_search(step_fn, bos, eos, beam_size, max_len, length_penalty=0.0):
    def normalised(total, length):
        return total / length ** length_penalty

    beam = [(0.0, ())]
    pool = []                         # a min-heap of (normalised score, tiebreak, tokens)
    counter = itertools.count()

    def candidates():
        for total, tokens in beam:
            row = step_fn(torch.tensor([(bos,) + tokens]))[0]
            for v, lp in enumerate(row.tolist()):
                yield total + lp, tokens + (v,)

    for _ in range(max_len):
        best = heapq.nlargest(beam_size, candidates(), key=lambda c: c[0])
        beam = []
        for total, tokens in best:
            if tokens[-1] == eos:
                heapq.heappush(pool, (normalised(total, len(tokens)), next(counter), tokens))
            else:
                beam.append((total, tokens))
        if not beam:
            break
    for total, tokens in beam:
        heapq.heappush(pool, (normalised(total, len(tokens)), next(counter), tokens))
    score, _, tokens = max(pool)
    return list(tokens), score
