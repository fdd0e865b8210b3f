"""Use cases that combine parsing, storage and side effects (one module per feature)."""
