"""The Textual studio; it talks only to the agent API."""
