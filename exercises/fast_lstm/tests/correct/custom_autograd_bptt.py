"""FastLSTM: a custom torch.autograd.Function with hand-written backpropagation through time.

Forward runs without building an autograd graph and keeps the activated gates and cell states;
backward walks the steps in reverse with one (B, 4H) x (4H, H) matmul per step and computes every
weight gradient with a few large matmuls over all T*B rows at once.
"""

import math

import torch
from torch import nn


class _LSTMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        T, B, I = x.shape
        H = w_hh.shape[1]
        x_proj = torch.addmm(b_ih + b_hh, x.reshape(T * B, I), w_ih.t()).view(T, B, 4 * H)
        acts = x.new_empty(T, B, 4 * H)        # activated gates i, f, g, o
        hs = x.new_empty(T + 1, B, H)          # hs[0] = h0, hs[t + 1] = h_t
        cs = x.new_empty(T + 1, B, H)
        tanh_cs = x.new_empty(T, B, H)
        hs[0], cs[0] = h0, c0
        w_hh_t = w_hh.t()
        for t in range(T):
            gates = torch.addmm(x_proj[t], hs[t], w_hh_t)
            a = acts[t]
            torch.sigmoid(gates, out=a)
            torch.tanh(gates[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
            i, f, g, o = a.split(H, dim=1)
            torch.addcmul(f * cs[t], i, g, out=cs[t + 1])
            torch.tanh(cs[t + 1], out=tanh_cs[t])
            torch.mul(o, tanh_cs[t], out=hs[t + 1])
        ctx.save_for_backward(x, w_ih, w_hh, acts, hs, cs, tanh_cs)
        output = hs[1:].clone()
        return output, hs[T].clone(), cs[T].clone()

    @staticmethod
    def backward(ctx, grad_out, grad_hn, grad_cn):
        x, w_ih, w_hh, acts, hs, cs, tanh_cs = ctx.saved_tensors
        T, B, I = x.shape
        H = w_hh.shape[1]
        d_gates = x.new_empty(T, B, 4 * H)     # gradient w.r.t. the pre-activation gates
        dh = grad_hn.clone()
        dc = grad_cn.clone()
        for t in range(T - 1, -1, -1):
            dh = dh + grad_out[t]
            i, f, g, o = acts[t].split(H, dim=1)
            tc = tanh_cs[t]
            dc = dc + dh * o * (1 - tc * tc)
            di, df, dg, do = d_gates[t].split(H, dim=1)
            torch.mul(dc * g, i * (1 - i), out=di)
            torch.mul(dc * cs[t], f * (1 - f), out=df)
            torch.mul(dc * i, 1 - g * g, out=dg)
            torch.mul(dh * tc, o * (1 - o), out=do)
            dc = dc * f
            dh = d_gates[t] @ w_hh
        flat = d_gates.reshape(T * B, 4 * H)
        grad_x = (flat @ w_ih).view(T, B, I)
        grad_w_ih = flat.t() @ x.reshape(T * B, I)
        grad_w_hh = flat.t() @ hs[:T].reshape(T * B, H)
        grad_b = flat.sum(0)
        return grad_x, dh, dc, grad_w_ih, grad_w_hh, grad_b, grad_b.clone()


class FastLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        T, B, _ = input.shape
        if hx is None:
            h0 = input.new_zeros(B, self.hidden_size)
            c0 = input.new_zeros(B, self.hidden_size)
        else:
            h0, c0 = hx[0][0], hx[1][0]
        output, h_n, c_n = _LSTMFunction.apply(input, h0, c0, self.weight_ih_l0, self.weight_hh_l0,
                                               self.bias_ih_l0, self.bias_hh_l0)
        return output, (h_n.unsqueeze(0), c_n.unsqueeze(0))
