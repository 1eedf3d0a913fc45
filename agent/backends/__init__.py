"""Model backends: one module per way of reaching a model."""
