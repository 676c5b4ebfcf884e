"""Correct: everything as column vectors, (H, B) states and W @ h products, the textbook way."""

import torch


class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        T = x.shape[0]
        h = h0.t()                                         # (H, B)
        cols = []
        for t in range(T):
            h = torch.tanh(w_ih @ x[t].t() + w_hh @ h + (b_ih + b_hh)[:, None])
            cols.append(h.t())
        output = torch.stack(cols)
        ctx.save_for_backward(x, h0, w_ih, w_hh, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        x, h0, w_ih, w_hh, output = ctx.saved_tensors
        T = x.shape[0]
        delta_next = torch.zeros_like(h0.t())              # dL/dh_t arriving from step t+1, (H, B)
        dW_ih = x.new_zeros(w_ih.shape)
        dW_hh = x.new_zeros(w_hh.shape)
        db = x.new_zeros(w_ih.shape[0])
        dx = x.new_zeros(x.shape)
        t = T - 1
        while t >= 0:
            h_col = output[t].t()
            h_prev_col = (output[t - 1] if t > 0 else h0).t()
            dz = (grad_output[t].t() + delta_next) * (1 - h_col ** 2)     # (H, B)
            dW_ih = dW_ih + dz @ x[t]
            dW_hh = dW_hh + dz @ h_prev_col.t()
            db = db + dz.sum(dim=1)
            dx[t] = (w_ih.t() @ dz).t()
            delta_next = w_hh.t() @ dz
            t -= 1
        return dx, delta_next.t(), dW_ih, dW_hh, db, db.clone()
