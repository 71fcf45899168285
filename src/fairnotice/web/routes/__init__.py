"""Routes, one module per area: auth, candidate, employer, pick (no sign-in), api."""
