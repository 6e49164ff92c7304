"""skweights: control, train, inspect and explain the weights of linear models and small neural networks."""

__version__ = "0.1.0"
