"""Service functions hold the workflow rules; they take the session keyword-only and alone commit."""
