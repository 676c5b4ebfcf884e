"""Mistake: the bias gradient is assigned at each step instead of accumulated, so only step 0 is left."""

import torch


class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        """x (T, B, I), h0 (B, H) -> output (T, B, H): h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)."""
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
        """Walk back from t = T-1 to 0; dh carries what step t+1 sends back through W_hh."""
        x, h0, w_ih, w_hh, output = ctx.saved_tensors
        grad_x = torch.empty_like(x)
        grad_w_ih, grad_w_hh = torch.zeros_like(w_ih), torch.zeros_like(w_hh)
        grad_b = output.new_zeros(output.shape[-1])
        carry = torch.zeros_like(h0)
        for t in range(x.shape[0] - 1, -1, -1):
            h_t = output[t]
            h_prev = output[t - 1] if t > 0 else h0
            da = (grad_output[t] + carry) * (1 - h_t * h_t)
            grad_x[t] = da @ w_ih
            grad_w_ih += da.T @ x[t]
            grad_w_hh += da.T @ h_prev
            grad_b = da.sum(0)
            carry = da @ w_hh
        return grad_x, carry, grad_w_ih, grad_w_hh, grad_b, grad_b.clone()
