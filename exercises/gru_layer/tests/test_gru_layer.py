"""Hidden suite for gru_layer: the submission against its twin, torch.nn.GRU (stacked, bidirectional)."""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    blocks_read_as,
    check,
    close,
    constructed_with,
    formula,
    inputs_changed,
    outputs_changed,
    randn,
)

I, H, B, T = 3, 4, 3, 5
LAYOUT = ("Per layer k: weight_ih_l{k} (3*hidden, in_k), weight_hh_l{k} (3*hidden, hidden), bias_ih_l{k} and "
          "bias_hh_l{k} (3*hidden,), gate blocks r, z, n along dim 0; the reverse direction has the same set ending "
          "in _reverse. in_0 = input_size and in_k = num_directions*hidden for k > 0: layer k reads the whole "
          "output of layer k-1, [forward, backward], not only the forward half")
LAYER_MAJOR = "nn.GRU orders h_0 and h_n layer-major: layer k, direction d at index k * num_directions + d"
EVAL = "dropout must do nothing in eval mode: pass training=self.training to F.dropout (or use nn.Dropout)"
LAST = "nn.GRU applies dropout only between layers, to what layer k < num_layers-1 passes up; never to the output"


def gru(layers=1, **kw) -> Twin:
    return Twin(nn.GRU, I, H, build="GRU", inputs=("input", "h_0"), outputs=("output", "h_n"), layout=LAYOUT,
                num_layers=layers, **kw)


def gru_math(m, x, h0=None, *, reset_before=False, flip_back=True, direction_major=False):
    """nn.GRU without dropout, written out; the switches reproduce the classic mistakes."""
    D, L, unbatched = 1 + m.bidirectional, m.num_layers, x.dim() == 2
    x = x.unsqueeze(1) if unbatched else x.transpose(0, 1) if m.batch_first else x
    h0 = x.new_zeros(L * D, x.shape[1], H) if h0 is None else h0.unsqueeze(1) if unbatched else h0
    at = (lambda k, d: d * L + k) if direction_major else (lambda k, d: k * D + d)
    h_n = [None] * (L * D)
    for k in range(L):
        outs = []
        for d in range(D):
            w_ih, w_hh, b_ih, b_hh = (getattr(m, f"{n}_l{k}{'_reverse' * d}", None)
                                      for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            w_n, b_n = w_hh[2 * H:], None if b_hh is None else b_hh[2 * H:]
            h, seq = h0[at(k, d)], []
            for x_t in x.flip(0) if d else x:
                i_r, i_z, i_n = nn.functional.linear(x_t, w_ih, b_ih).chunk(3, -1)
                h_r, h_z, h_hn = nn.functional.linear(h, w_hh, b_hh).chunk(3, -1)
                r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
                hidden = nn.functional.linear(r * h, w_n, b_n) if reset_before else r * h_hn
                h = (1 - z) * torch.tanh(i_n + hidden) + z * h
                seq.append(h)
            out = torch.stack(seq)
            outs.append(out.flip(0) if d and flip_back else out)
            h_n[at(k, d)] = h
        x = torch.cat(outs, -1)
    h_n = torch.stack(h_n)
    return (x.squeeze(1), h_n.squeeze(1)) if unbatched else (x.transpose(0, 1) if m.batch_first else x, h_n)


def h_n_direction_major(out):
    m = out["h_n"]
    D = 2 if out["output"].shape[-1] == 2 * H else 1
    out["h_n"] = m.reshape(-1, D, *m.shape[1:]).transpose(0, 1).reshape(m.shape)
    return out


RESET = ("PyTorch applies the reset gate after the hidden matmul, to (W_hn h + b_hn): "
         "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), not W_hn (r * h)")
MISTAKES = [
    *blocks_read_as("rzn", "the values match torch when the gate blocks are read as {order}; "
                    "PyTorch packs the gates r, z, n"),
    formula(f"the values match the reset gate applied to h before the hidden matmul; {RESET}",
            lambda m, *a: gru_math(m, *a, reset_before=True)),
    formula("the backward half is in reversed time order: flip the reverse direction's outputs back before "
            "concatenating, so output[t, :, H:] is its state after reading x[T-1] .. x[t]",
            lambda m, *a: gru_math(m, *a, flip_back=False)),
    formula(f"h_0 read and h_n written direction-major (all forward layers, then all reverse ones); {LAYER_MAJOR}",
            lambda m, *a: gru_math(m, *a, direction_major=True)),
    outputs_changed(f"h_n is written direction-major; {LAYER_MAJOR}", h_n_direction_major),
    constructed_with("the values match the input read as (T, B, I) although batch_first=True: transpose a "
                     "batch-first input to time-major on the way in and the output back on the way out",
                     batch_first=False),
    inputs_changed("the values match a zero initial state: start from the given h_0", lambda a, kw: (a[:1], kw)),
]


def case(twin, seed, batch=B, state=True):
    m, b = twin.module, () if batch is None else (batch,)
    x = randn(*((batch, T) if m.batch_first and b else (T, *b)), I, seed=seed, dtype=twin.dtype)
    n = m.num_layers * (1 + m.bidirectional)
    return (x, randn(n, *b, H, seed=seed + 1, dtype=twin.dtype)) if state else (x,)


def parity(submission, twin, seed, **kw):
    try:
        twin.assert_parity(submission, *case(twin, seed, **kw), mistakes=MISTAKES)
    except CheckFailure as exc:
        if not (twin.module.batch_first and "size of tensor" in str(exc)):
            raise
        raise CheckFailure(f"{exc} [batch_first=True: the input is (B, T, I) while h_0 stays (num_layers*D, B, H); "
                           "transpose the input to (T, B, I) before the loop]") from None


def in_mode(submission, twin, args, training, calls=1):
    """The submission's outputs over `calls` calls with dropout in the given mode; nn.GRU's without dropout."""
    remote = twin.build(submission)
    remote.train(training)
    twin.module.train(False)
    runs = [twin.run(remote, *args, grad=False) for _ in range(calls)]
    return [r.got for r in runs], runs[0].want


@check("api", "parameters are named and shaped like nn.GRU's: 1-3 layers, _reverse copies, with and without bias")
def test_parameters(submission):
    for layers, kw in ((1, {}), (3, {}), (2, {"bidirectional": True}), (2, {"bidirectional": True, "bias": False})):
        gru(layers, **kw).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.GRU; parameters start as torch.nn initialises them")
def test_state_dict_and_init(submission):
    gru(2, bidirectional=True, dtype=torch.float32).assert_state_dict_round_trip(submission)
    gru(2, bidirectional=True).variant(8, 16).assert_recurrent_init(submission)


@check("shape", "output (T, B, D*H) or (B, T, D*H), h_n (num_layers*D, B, H); unbatched (T, D*H), (num_layers*D, H)")
def test_shapes(submission):
    for twin in (gru(1), gru(2, bidirectional=True), gru(3, batch_first=True), gru(2, bidirectional=True,
                                                                                   batch_first=True)):
        twin.assert_shapes(submission, [case(twin, 70, batch, state) for batch in (B, 1, None) for state in (1, 0)])


@check("parity", "one layer, float64: output and h_n equal nn.GRU's, with a given h_0 and with h_0=None")
def test_parity_one_layer(submission):
    parity(submission, gru(1), 11)
    parity(submission, gru(1), 13, state=False)


@check("parity", "two and three layers: layer k reads layer k-1's output, h_n[k] is layer k's final state")
def test_parity_stacked(submission):
    parity(submission, gru(2), 21)
    parity(submission, gru(3), 23, state=False)


@check("parity", "bidirectional, 1 and 2 layers: reverse outputs in forward time order, h_n layer-major")
def test_parity_bidirectional(submission):
    for layers, seed in ((1, 31), (2, 33)):
        parity(submission, gru(layers, bidirectional=True), seed)
        parity(submission, gru(layers, bidirectional=True), seed + 1, state=False)


@check("parity", "batch_first=True, float32, unbatched (T, I) inputs, bias=False and batch sizes 1 and 40 match too")
def test_parity_layouts(submission):
    parity(submission, gru(2, bidirectional=True, batch_first=True), 43, state=False)
    parity(submission, gru(2, batch_first=True), 41)
    parity(submission, gru(2, bidirectional=True, dtype=torch.float32), 45)
    parity(submission, gru(2, bidirectional=True), 47, batch=None)
    parity(submission, gru(3, batch_first=True, bias=False), 49, batch=None, state=False)
    parity(submission, gru(2, bidirectional=True, bias=False), 51, batch=1)
    parity(submission, gru(2), 53, batch=40, state=False)


@check("parity", "dropout: nothing in eval mode, and in training mode nothing after the top layer")
def test_dropout_eval_and_top_layer(submission):
    for layers, training, why in ((2, False, EVAL), (1, True, LAST)):
        twin = gru(layers, bidirectional=True, dropout=0.5)
        args = case(twin, 61 + layers)
        gru(layers, bidirectional=True).assert_parity(submission, *args, mistakes=MISTAKES)   # the core math first
        (got,), want = in_mode(submission, twin, args, training)
        if not all(close(got[n], want[n]) for n in want):
            mode = "training" if training else "eval"
            raise CheckFailure(f"with dropout=0.5, {layers} layer(s), {mode} mode, (output, h_n) differ from "
                               f"nn.GRU's without dropout, although dropout=0 matches: {why}")


@check("parity", "training mode: dropout between layers leaves layer 0's h_n alone and changes the output afresh")
def test_dropout_between_layers(submission):
    twin = gru(2, dropout=0.5)
    args = case(twin, 65)
    gru(2).assert_parity(submission, *args, mistakes=MISTAKES)   # the core math first, so dropout is not blamed
    (got, again), want = in_mode(submission, twin, args, True, calls=2)
    if not close(got["h_n"][0], want["h_n"][0]):
        raise CheckFailure("in training mode layer 0's h_n changed: dropout acts on layer 0's output sequence on "
                           "its way into layer 1, never on the input or on the recurrent state")
    if not close(got["output"][-1], got["h_n"][-1]):
        raise CheckFailure(f"in training mode output[-1] differs from h_n[-1]: {LAST}")
    if close(got["output"], want["output"]) or torch.equal(got["output"], again["output"]):
        raise CheckFailure("in training mode with dropout=0.5 the output equals the eval-mode output, or two calls "
                           "gave the same output: drop layer k's outputs (k < num_layers-1) with a fresh mask on "
                           "every call, e.g. F.dropout(out, p, training=self.training)")


@check("parity", "training mode: what reaches layer 1 is layer 0's output, zeroed or scaled by 1/(1-p)")
def test_dropout_scaling(submission):
    """Layer 1 gets weights that make it invertible: only the n block of weight_ih_l1 is non-zero (the
    identity), so r = z = 1/2 and h_t = tanh(d_t)/2 + h_{t-1}/2, where d_t is what layer 0 passed up."""
    p, twin = 0.3, gru(2, dropout=0.3)
    with torch.no_grad():
        for name in ("weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"):
            getattr(twin.module, name).zero_()
        twin.module.weight_ih_l1[2 * H:] = torch.eye(H, dtype=twin.dtype)
    x = case(twin, 67, state=False)[0]
    plain = gru(2)
    plain.module.load_state_dict(twin.module.state_dict())
    plain.assert_parity(submission, x, mistakes=MISTAKES)   # the same weights without dropout must match first
    (got,), _ = in_mode(submission, twin, (x,), True)
    layer0 = gru(1).module
    layer0.load_state_dict({k: v for k, v in twin.module.state_dict().items() if k.endswith("l0")})
    y0 = layer0(x)[0].detach()
    h1 = got["output"]
    d = torch.atanh((2 * h1 - torch.cat([h1[:1] * 0, h1[:-1]])).clamp(-1 + 1e-12, 1 - 1e-12))
    tol = 1e-6 * (1 + y0.abs() / (1 - p))
    zero, kept = d.abs() <= tol, (d - y0 / (1 - p)).abs() <= tol
    if not bool((zero | kept).all()) or not 0.1 <= zero.double().mean().item() <= 0.6:
        raise CheckFailure(f"the sequence that reached layer 1 is not layer 0's output with about {p:.0%} of its "
                           f"elements zeroed and the rest scaled by 1/(1-p) = {1 / (1 - p):.3g}: apply inverted "
                           "dropout, F.dropout(out, p, training=self.training), to layer k's output sequence")


@check("gradient", "outputs stay attached; gradients w.r.t. input, h_0 and every parameter equal nn.GRU's")
def test_gradients(submission):
    for twin, kw in ((gru(2, bidirectional=True), {}), (gru(3, batch_first=True), {}),
                     (gru(2, bidirectional=True), {"batch": None, "state": False})):
        twin.assert_gradients(submission, *case(twin, 71, **kw))
