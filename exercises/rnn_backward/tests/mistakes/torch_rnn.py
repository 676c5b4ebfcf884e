"""Mistake (a shortcut): the forward delegates to torch's fused RNN kernel."""

import torch


class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        output, _ = torch.rnn_tanh(x, h0.unsqueeze(0), (w_ih, w_hh, b_ih, b_hh), True, 1, 0.0, False, False, False)
        ctx.save_for_backward(x, h0, w_ih, w_hh, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        x, h0, w_ih, w_hh, output = ctx.saved_tensors
        grad_x = torch.empty_like(x)
        grad_w_ih, grad_w_hh = torch.zeros_like(w_ih), torch.zeros_like(w_hh)
        grad_b = output.new_zeros(output.shape[-1])
        carry = torch.zeros_like(h0)
        for t in reversed(range(x.shape[0])):
            da = (grad_output[t] + carry) * (1 - output[t] ** 2)
            grad_x[t] = da @ w_ih
            grad_w_ih += da.T @ x[t]
            grad_w_hh += da.T @ (output[t - 1] if t else h0)
            grad_b += da.sum(0)
            carry = da @ w_hh
        return grad_x, carry, grad_w_ih, grad_w_hh, grad_b, grad_b.clone()
