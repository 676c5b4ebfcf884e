"""Mistake: forward builds an autograd graph and keeps it on ctx; backward lets autograd do the work."""

import torch


class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_() for t in (x, h0, w_ih, w_hh, b_ih, b_hh)]
            lx, h, lw_ih, lw_hh, lb_ih, lb_hh = leaves
            steps = []
            for x_t in lx:
                h = torch.tanh(x_t @ lw_ih.T + lb_ih + h @ lw_hh.T + lb_hh)
                steps.append(h)
            graph = torch.stack(steps)
        ctx.graph, ctx.leaves = graph, leaves
        output = graph.detach()
        ctx.save_for_backward(x, h0, w_ih, w_hh, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        return torch.autograd.grad(ctx.graph, ctx.leaves, grad_output)
