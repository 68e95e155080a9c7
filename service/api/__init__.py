"""REST API under /api/v1: thin routes that parse, authorise, call a service function, shape the answer."""
