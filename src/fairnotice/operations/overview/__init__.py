"""A workspace's overview: its to-dos and its fair-notice insights."""
