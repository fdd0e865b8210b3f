"""SQL lives here and only here. Every function takes the tenant (`store_id`) it is scoped to."""
