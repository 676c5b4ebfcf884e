"""PyTorch behaviours the question bank states as facts, pinned so a torch upgrade that changes one
shows up here rather than as a wrong model answer.

Each test asserts the behaviour itself, so it fails if torch behaved the way the old answers said.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_retain_graph_with_an_optimizer_step_raises_inplace_error():
    """truncated-bptt / tbptt hint: retain_graph=True is no fix once SGD has stepped the weights."""
    torch.manual_seed(0)
    rnn = nn.RNN(3, 4)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    x = torch.randn(10, 2, 3)
    state = None
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        for start in range(0, 10, 5):
            opt.zero_grad()
            out, state = rnn(x[start:start + 5], state)   # state not detached
            out.pow(2).sum().backward(retain_graph=True)
            opt.step()


def test_without_retain_graph_the_second_backward_hits_the_freed_graph():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 4)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    x = torch.randn(10, 2, 3)
    state = None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        for start in range(0, 10, 5):
            opt.zero_grad()
            out, state = rnn(x[start:start + 5], state)
            out.pow(2).sum().backward()
            opt.step()


def test_detached_state_trains_across_chunks():
    torch.manual_seed(0)
    rnn = nn.RNN(3, 4)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    x = torch.randn(10, 2, 3)
    state = None
    for start in range(0, 10, 5):
        opt.zero_grad()
        out, state = rnn(x[start:start + 5], state)
        out.pow(2).sum().backward()
        opt.step()
        state = state.detach()


def test_bidirectional_doubles_parameters_only_for_the_first_layer():
    one = n_params(nn.LSTM(10, 20)), n_params(nn.LSTM(10, 20, bidirectional=True))
    two = n_params(nn.LSTM(10, 20, num_layers=2)), n_params(nn.LSTM(10, 20, num_layers=2, bidirectional=True))
    assert one == (2560, 5120)
    assert two == (5920, 15040)
    assert round(two[1] / two[0], 2) == 2.54


def test_clip_grad_norm_with_an_inf_entry_zeroes_finite_entries_and_nans_the_inf():
    a = nn.Parameter(torch.zeros(3))
    b = nn.Parameter(torch.zeros(2))
    a.grad = torch.tensor([1.0, float("inf"), -2.0])
    b.grad = torch.tensor([3.0, 4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert torch.isinf(total)
    assert torch.isnan(a.grad[1])
    assert torch.equal(a.grad[[0, 2]].abs(), torch.zeros(2))
    assert torch.equal(b.grad, torch.zeros(2))


def test_clip_grad_norm_with_a_nan_entry_nans_everything():
    a = nn.Parameter(torch.zeros(2))
    b = nn.Parameter(torch.zeros(2))
    a.grad = torch.tensor([1.0, float("nan")])
    b.grad = torch.tensor([3.0, 4.0])
    nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert torch.isnan(a.grad).all() and torch.isnan(b.grad).all()


def test_clip_grad_norm_error_if_nonfinite_raises():
    a = nn.Parameter(torch.zeros(2))
    a.grad = torch.tensor([1.0, float("inf")])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a], max_norm=1.0, error_if_nonfinite=True)


def test_enforce_sorted_defaults_to_true_and_rejects_unsorted_lengths():
    x = torch.randn(3, 5, 2)
    lengths = torch.tensor([2, 5, 3])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(x, lengths, batch_first=True)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1, 1]


def test_packed_batch_sizes_example():
    """packed-sequences: lengths 10, 4, 2 give batch_sizes 3, 3, 2, 2, 1 x 6 and 16 elements."""
    packed = pack_padded_sequence(torch.randn(3, 10, 1), [10, 4, 2], batch_first=True)
    assert packed.batch_sizes.tolist() == [3, 3, 2, 2, 1, 1, 1, 1, 1, 1]
    assert packed.data.shape[0] == 16


def test_gru_state_is_bounded_only_when_h0_is():
    torch.manual_seed(0)
    gru = nn.GRU(3, 4)
    x = 5 * torch.randn(20, 2, 3)
    with torch.no_grad():
        out, _ = gru(x)
        assert out.abs().max() < 1
        out, _ = gru(x, torch.full((1, 2, 4), 5.0))
    assert out[0].abs().max() > 1     # a convex mix of h_0 = 5 and a tanh candidate
    assert out.abs().max() > 4


def test_multihead_attention_boolean_mask_true_means_masked_out():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    q, k = torch.randn(1, 3, 8), torch.randn(1, 4, 8)
    mask = torch.tensor([[False, False, True, True]])
    _, weights = mha(q, k, k, key_padding_mask=mask)
    assert torch.equal(weights[0, :, 2:], torch.zeros(3, 2))
    assert torch.allclose(weights[0, :, :2].sum(-1), torch.ones(3))


def test_sdpa_boolean_mask_has_the_opposite_convention():
    torch.manual_seed(0)
    q, k = torch.randn(1, 1, 3, 4), torch.randn(1, 1, 4, 4)
    keep = torch.tensor([True, True, False, False]).expand(3, 4)
    out = nn.functional.scaled_dot_product_attention(q, k, k, attn_mask=keep)
    expected = nn.functional.scaled_dot_product_attention(q, k[..., :2, :], k[..., :2, :])
    torch.testing.assert_close(out, expected)


def test_fully_masked_row_gives_nan_in_multihead_attention():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    q = torch.randn(2, 3, 8)
    mask = torch.tensor([[True] * 3, [False] * 3])
    out, weights = mha(q, q, q, key_padding_mask=mask)
    assert torch.isnan(out[0]).all() and torch.isnan(weights[0]).all()
    assert torch.isfinite(out[1]).all()
    assert torch.isnan(torch.softmax(torch.full((3,), float("-inf")), 0)).all()


def test_pytorch_default_init_is_uniform_in_one_over_sqrt_h_and_no_forget_bias():
    torch.manual_seed(0)
    hidden = 64
    lstm = nn.LSTM(10, hidden)
    bound = hidden ** -0.5
    for p in lstm.parameters():
        assert p.abs().max() <= bound
    forget = lstm.bias_ih_l0[hidden:2 * hidden] + lstm.bias_hh_l0[hidden:2 * hidden]
    assert forget.abs().mean() < 0.5     # centred on 0, not 1
    with torch.no_grad():
        lstm.bias_ih_l0[hidden:2 * hidden].fill_(1.0)
        lstm.bias_hh_l0[hidden:2 * hidden].zero_()
    assert lstm.bias_ih_l0.requires_grad and lstm.bias_ih_l0.grad_fn is None


def test_cross_entropy_wants_classes_in_dim_1():
    logits = torch.randn(4, 7, 10)          # (B, T, C) straight from a batch-first head
    targets = torch.randint(0, 10, (4, 7))
    with pytest.raises((RuntimeError, ValueError)):
        nn.functional.cross_entropy(logits, targets)
    a = nn.functional.cross_entropy(logits.transpose(1, 2), targets)
    b = nn.functional.cross_entropy(logits.reshape(-1, 10), targets.reshape(-1))
    torch.testing.assert_close(a, b)


def test_nan_from_a_fully_masked_row_reaches_the_gradients_even_if_discarded():
    """attention-masks-pytorch: torch.where on the outputs does not keep the gradients finite."""
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    q = torch.randn(2, 3, 8)
    mask = torch.tensor([[True] * 3, [False] * 3])
    out, _ = mha(q, q, q, key_padding_mask=mask)
    keep = (~mask.all(1)).view(2, 1, 1)
    torch.where(keep, out, torch.zeros(())).sum().backward()
    assert torch.isnan(mha.in_proj_weight.grad).any()


def test_causal_mask_with_left_padding_leaves_the_first_queries_fully_masked():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = torch.randn(1, 4, 8)
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), 1)
    pads = torch.tensor([[True, True, False, False]])
    out, _ = mha(x, x, x, attn_mask=causal, key_padding_mask=pads)
    assert torch.isnan(out[0]).any(-1).tolist() == [True, True, False, False]


def test_zero_inputs_still_move_an_lstm_state():
    """scenario-left-padding-bidirectional: a padding_idx embedding does not freeze the state."""
    torch.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert torch.equal(emb(torch.tensor([0])), torch.zeros(1, 3))
    out, _ = nn.LSTM(3, 4)(torch.zeros(5, 1, 3))
    assert not torch.allclose(out[0], out[-1])


def test_packing_assumes_right_padding():
    packed = pack_padded_sequence(torch.tensor([[0.0, 0.0, 5.0, 6.0, 7.0]]).unsqueeze(-1), [3], batch_first=True)
    assert packed.data.squeeze(-1).tolist() == [0.0, 0.0, 5.0]


def test_unidirectional_lstm_is_causal_and_bidirectional_is_not():
    torch.manual_seed(0)
    for bidirectional, leaks in ((False, False), (True, True)):
        x = torch.randn(5, 3, requires_grad=True)
        out, _ = nn.LSTM(3, 4, bidirectional=bidirectional)(x)
        (grad,) = torch.autograd.grad(out[2].sum(), x)
        assert bool(grad[3:].abs().sum() > 0) is leaks


def test_gru_reset_gate_is_applied_after_the_hidden_matmul():
    """gru-equations-pytorch: nn.GRUCell is the reset-after (arXiv v1 / cuDNN) variant."""
    torch.manual_seed(0)
    cell = nn.GRUCell(3, 4).double()
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    r = torch.sigmoid(gi[:, :4] + gh[:, :4])
    z = torch.sigmoid(gi[:, 4:8] + gh[:, 4:8])
    after = torch.tanh(gi[:, 8:] + r * gh[:, 8:])
    w_hn, b_hn = cell.weight_hh[8:], cell.bias_hh[8:]
    before = torch.tanh(gi[:, 8:] + (r * h) @ w_hn.T + b_hn)
    expected = cell(x, h)
    torch.testing.assert_close((1 - z) * after + z * h, expected)
    assert not torch.allclose((1 - z) * before + z * h, expected)


def _interview_deck_items():
    """Numeric and shape items of the interview deck, whichever name it has (.next until the loader reads it)."""
    import yaml

    from rnnprep.resources import questions_dir

    folder = questions_dir()
    paths = [p for p in (folder / "03-interview.yaml", folder / "03-interview.yaml.next") if p.is_file()]
    if not paths:
        return []
    data = yaml.safe_load(paths[0].read_text(encoding="utf-8"))
    return [(q["id"], item) for q in data["questions"] for item in q.get("items", [])
            if item.get("kind") in ("number", "shape")]


@pytest.mark.parametrize("qid,item", _interview_deck_items(), ids=lambda v: v if isinstance(v, str) else "")
def test_interview_numeric_and_shape_items_match_torch(qid, item):
    import warnings

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = eval(item["verify"], {"torch": torch, "nn": nn, "F": nn.functional})  # noqa: S307 - our own deck
    if item["kind"] == "shape":
        assert list(value) == item["answer"], qid
    else:
        if isinstance(value, torch.Tensor):
            value = value.item()
        assert value == item["answer"], qid


CORRECTED_ANSWERS = [
    # (question id, must match, must not match) - issue 13's corrections stay corrected.
    ("truncated-bptt", r"modified by an inplace operation", r"memory and time grow with every chunk"),
    ("attention-in-rnns", r"s_\{t-1\}.*\n?.*Luong|Luong[\s\S]*s_t", r"scores the current decoder state `s_t`"),
    ("what-is-an-lstm", r"Gers", None),
    ("gru-equations-pytorch", r"1406\.1078v1", r"the original formulation by Cho"),
    ("teacher-forcing", r"[Pp]rofessor forcing[\s\S]*does not reduce exposure bias",
     r"beam search at inference also help"),
    ("vanishing-gradient-problem", r"necessary[\s\S]*not sufficient", None),
    ("bidirectional-rnn", r"2\.54", r"roughly twice the compute and\s+parameters"),
    ("bidirectional-rnn-structure", r"2\.54", r"Parameters and compute double compared"),
    ("additive-vs-dot-product-attention", r"Britz", r"on par with additive"),
    ("lstm-dropout-between-layers", r"embedding dropout", None),
    ("rnn-overfitting", r"AR/TAR", None),
    ("gradient-clipping", r"finite entries become 0", None),
    ("pytorch-gate-packing-order", r"torch\.no_grad\(\)", r"\.data\["),
    ("cudnn-fast-lstm", r"CUDA graphs[\s\S]*fuse nothing", r"`torch\.compile` or\s+TorchScript"),
    ("lstm-vs-gru-tradeoffs", r"as long as `h_0` does", r"always stays inside"),
    ("packed-sequences", r"default is `enforce_sorted=True`", None),
]


@pytest.fixture(scope="module")
def answers():
    from rnnprep.content.loader import load_library

    return {q.id: q.answer for q in load_library().questions}


@pytest.mark.parametrize("qid,present,absent", CORRECTED_ANSWERS, ids=[c[0] for c in CORRECTED_ANSWERS])
def test_corrected_answers_state_the_fix(answers, qid, present, absent):
    import re

    assert re.search(present, answers[qid]), qid
    if absent:
        assert not re.search(absent, answers[qid]), qid


CORRECTED_EXERCISE_TEXTS = [
    ("tbptt/exercise.yaml", r"modified by an inplace operation", r"makes every step cost the whole history"),
    ("gru_cell/README.md", r"1406\.1078v1", r"The original paper writes"),
    ("fast_lstm/README.md", r"fuse nothing", r"CUDA graphs can fuse"),
    ("clip_grad_norm/README.md", r"finite\s+gradient entries become 0",
     r"the gradients then become NaN, as with torch"),
]


@pytest.mark.parametrize("path,present,absent", CORRECTED_EXERCISE_TEXTS, ids=[c[0] for c in CORRECTED_EXERCISE_TEXTS])
def test_corrected_exercise_texts_state_the_fix(path, present, absent):
    import re

    from rnnprep.resources import exercises_dir

    text = (exercises_dir() / path).read_text(encoding="utf-8")
    assert re.search(present, text), path
    assert not re.search(absent, text), path
