"""BPTT exercise: the backward pass of an Elman RNN, written by hand as an autograd.Function."""

import torch


class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        """x (T, B, I), h0 (B, H) -> output (T, B, H): h_t = tanh(x_t W_ihᵀ + b_ih + h_(t-1) W_hhᵀ + b_hh)."""
        h = h0
        steps = []
        for x_t in x:
            h = torch.tanh(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
            steps.append(h)
        output = torch.stack(steps)
        ctx.save_for_backward(x, h0, w_ih, w_hh, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        """grad_output (T, B, H) -> (grad_x, grad_h0, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh).

        Everything needed is in ctx.saved_tensors: (x, h0, w_ih, w_hh, output)."""
        raise NotImplementedError("walk back from t = T-1 to 0, carrying dL/dh from step t+1 through W_hh")
