"""Raises while being imported."""
import torch

WEIGHTS = torch.load("/nonexistent/weights.pt")
