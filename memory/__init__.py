"""Reference ingestion (films, documents), embedders and the FAISS + SQLite scene memory."""
