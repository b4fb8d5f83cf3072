"""One entry point for ``reelgraph analyze``: pick film or document ingestion by file type,
analyse, then store the items (analysis first, storing last: a bad file stores nothing)."""

from __future__ import annotations

from pathlib import Path

from memory.ingest.document import FILM_SUFFIXES, TEXT_SUFFIXES, ChunkConfig, analyze_document
from memory.ingest.film import FilmConfig, analyze_film
from memory.store import SceneMemory
from memory.summary import DocumentSummary, FilmSummary
from reelgraph.errors import InputError


def reference_kind(path: Path) -> str:
    """'film' or 'document' from the suffix; unknown suffixes are refused with the known ones."""
    suffix = path.suffix.lower()
    if suffix in FILM_SUFFIXES:
        return "film"
    if suffix in TEXT_SUFFIXES:
        return "document"
    raise InputError(
        f"{path}: unknown file type {suffix or '(none)'}; films: {', '.join(sorted(FILM_SUFFIXES))}; "
        f"documents: {', '.join(sorted(TEXT_SUFFIXES))}"
    )


def ingest_reference(
    path: Path,
    memory: SceneMemory,
    film_config: FilmConfig | None = None,
    chunk_config: ChunkConfig | None = None,
) -> FilmSummary | DocumentSummary:
    """Analyse a film or document and add its items to ``memory``. Returns the summary, with
    the stored ids filled in for film shots."""
    path = Path(path)
    if reference_kind(path) == "film":
        analysis = analyze_film(path, memory.directory / "keyframes", film_config)
        ids = memory.add(analysis.items())
        for shot, item_id in zip(analysis.summary.shots, ids):
            shot.id = item_id
        return analysis.summary
    doc = analyze_document(path, chunk_config)
    memory.add(doc.items())
    return doc.summary
