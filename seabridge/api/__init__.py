"""REST API: one router module per resource; handlers call storage or services."""
