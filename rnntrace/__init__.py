"""rnntrace: the hand calculations of recurrent neural networks, step by step."""

__version__ = "0.1.0"
