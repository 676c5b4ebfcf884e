"""Beam search over a next-token model: keep the beam_size best hypotheses at every step."""


def beam_search(step_fn, bos: int, eos: int, beam_size: int, max_len: int,
                length_penalty: float = 0.0) -> tuple[list[int], float]:
    """step_fn(prefixes LongTensor (N, t), each row bos + tokens so far) -> log-probs (N, V) float64.

    Return (tokens, score): the best hypothesis (tokens after bos, eos included if it ended with
    eos) and its score sum(log p) / len(tokens) ** length_penalty, as a list of ints and a float.
    """
    raise NotImplementedError("expand every hypothesis in the beam, keep the beam_size best, set finished ones aside")
