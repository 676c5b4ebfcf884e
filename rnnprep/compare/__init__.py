"""`rnnprep compare`: train an LSTM, a GRU and a vanilla RNN under one budget and compare them.

`runner` (no torch) starts one `worker` process per model, one after another so timings are
fair, and turns what it streams back into outcomes; `models` holds the classifiers the worker
builds, from torch.nn layers or from the learner's own cells.
"""
