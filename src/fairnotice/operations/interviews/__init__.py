"""An interview's life: its transitions, its own actions, adopted invitations, clashes."""
