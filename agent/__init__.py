"""The director: storyboard schema, LangGraph graph, model back-ends, the Python API and the CLI."""
