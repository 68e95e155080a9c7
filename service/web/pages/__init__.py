"""Page routers, one module per role (and one for logging in)."""
