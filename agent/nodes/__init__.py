"""One module per graph node; each is a verb that reads the state and returns a partial update."""
