"""rnnprep: interview preparation for recurrent neural networks.

Kept import-free on purpose: `rnnprep --help` and the quiz must start without torch.
"""

__version__ = "0.1.0"
