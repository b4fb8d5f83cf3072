"""Reference ingestion (films, documents), embedders and the FAISS + SQLite scene memory.

Public entry points (imported from their modules, so ``import memory`` stays free of faiss/torch):

- ``memory.store.SceneMemory``: ``open(directory, namespace="default", embedder=None)``, ``add``,
  ``search``, ``get``, ``delete``, ``items``, ``stats``, ``close`` (also a context manager).
- ``memory.items``: ``MemoryItem``, ``SearchFilters``, ``SearchHit``, ``MemoryStats``.
- ``memory.ingest.reference.ingest_reference(path, memory)``: analyse a film or document and store it.
- ``memory.ingest.film.analyze_film`` and ``memory.ingest.document.analyze_document``: analysis only.
- ``memory.embed.MiniLMEmbedder``: the offline all-MiniLM-L6-v2 text embedder.
"""
