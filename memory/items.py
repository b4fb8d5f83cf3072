"""What the scene memory holds and what a search returns.

One item type for every kind of knowledge (a shot of a reference film, a chunk of a document, a
rendered shot) so that a single index can rank them against one query; ``kind`` and ``attributes``
carry what differs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ItemKind = Literal["shot", "doc", "render"]
ITEM_KINDS: tuple[str, ...] = ("shot", "doc", "render")


class MemoryItem(BaseModel):
    """One remembered piece of a reference: a film shot, a document chunk or a rendered shot.

    ``text`` is what gets embedded; ``attributes`` hold the measured descriptors (palette, camera
    motion, characters, ...) so the agent can use them without parsing the text back.
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, description="Assigned by the store on add; None for new items.")
    kind: ItemKind = Field(description="shot (reference film), doc (document chunk) or render (our output).")
    source: str = Field(description="Where it came from: absolute file path of the film or document.")
    start_s: float | None = Field(None, ge=0, description="Start time in the source (films), seconds.")
    end_s: float | None = Field(None, ge=0, description="End time in the source (films), seconds.")
    text: str = Field(min_length=1, description="Searchable description; this is what is embedded.")
    attributes: dict[str, Any] = Field(default_factory=dict, description="Measured descriptors, JSON-safe.")
    keyframes: list[str] = Field(default_factory=list, description="Paths of keyframe images (PNG).")

    @model_validator(mode="after")
    def _time_range_ordered(self) -> "MemoryItem":
        if self.start_s is not None and self.end_s is not None and self.end_s < self.start_s:
            raise ValueError(f"end_s {self.end_s} is before start_s {self.start_s}")
        return self


class SearchFilters(BaseModel):
    """Metadata restrictions applied before ranking; every field left None means no restriction.

    The time range keeps items that overlap ``[start_s, end_s]``.
    """

    model_config = ConfigDict(extra="forbid")

    kind: ItemKind | None = Field(None, description="Only items of this kind.")
    source: str | None = Field(None, description="Only items from this exact source path.")
    start_s: float | None = Field(None, ge=0, description="Only items that end at or after this time.")
    end_s: float | None = Field(None, ge=0, description="Only items that start at or before this time.")


class SearchHit(BaseModel):
    """One search result: the item and its cosine similarity to the query (higher is closer)."""

    item: MemoryItem
    score: float


class MemoryStats(BaseModel):
    """What a store holds, for ``reelgraph memory stats`` and for the agent's context."""

    directory: str
    namespace: str
    items: int
    by_kind: dict[str, int]
    sources: int
    index_type: str = Field(description="FAISS index in use: flat (exact) or ivf (approximate).")
    embedding_dim: int
    embedder: str
    db_bytes: int
