"""Document ingestion: plain text, Markdown, Fountain screenplays and PDF, chunked for memory.

Chunks never cut through a scene or a paragraph unless one alone is longer than a chunk (then it
is cut at sentence ends). Screenplays are chunked per scene, so every chunk knows its heading,
location, time of day and characters; prose chunks know their Markdown section or PDF page.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from memory.ingest.fountain import Screenplay, looks_like_screenplay, parse_fountain, separate_headings
from memory.items import MemoryItem
from memory.summary import DocumentSummary
from reelgraph.errors import InputError

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".fountain", ".spmd", ".pdf"}
FILM_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".ogv", ".mpg", ".mpeg", ".m4v", ".ts", ".wmv", ".flv", ".y4m"}
SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class ChunkConfig:
    """How documents are cut into memory items."""

    max_words: int = 180
    """Words per chunk at most; MiniLM reads 256 word pieces, about 180 English words."""
    min_words: int = 40
    """Paragraphs are packed together until a chunk has at least this many words."""


class Chunk(BaseModel):
    """A piece of a document with where it came from."""

    text: str
    index: int
    attributes: dict[str, Any] = Field(default_factory=dict)


class DocumentAnalysis(BaseModel):
    summary: DocumentSummary
    chunks: list[Chunk]

    def items(self) -> list[MemoryItem]:
        """One ``doc`` item per chunk; the text starts with its context so it embeds with it."""
        name = Path(self.summary.source).name
        out = []
        for c in self.chunks:
            where = c.attributes.get("heading") or c.attributes.get("section") or (
                f"page {c.attributes['page']}" if "page" in c.attributes else f"part {c.index + 1}")
            out.append(MemoryItem(kind="doc", source=self.summary.source, text=f"[{name}, {where}] {c.text}",
                                  attributes={"type": self.summary.format, "chunk": c.index} | c.attributes))
        return out


def _words(text: str) -> int:
    return len(text.split())


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Cut an over-long paragraph at sentence ends (at word boundaries if a sentence is too long)."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in SENTENCE_END_RE.split(paragraph):
        words = sentence.split()
        while len(words) > max_words:
            if current:
                pieces.append(" ".join(current))
                current, count = [], 0
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if count + len(words) > max_words and current:
            pieces.append(" ".join(current))
            current, count = [], 0
        current.extend(words)
        count += len(words)
    if current:
        pieces.append(" ".join(current))
    return pieces


def pack_paragraphs(paragraphs: list[str], cfg: ChunkConfig) -> list[str]:
    """Group consecutive paragraphs into chunks of up to ``max_words`` without splitting them."""
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for para in paragraphs:
        n = _words(para)
        if n > cfg.max_words:
            if current:
                chunks.append("\n\n".join(current))
                current, count = [], 0
            chunks.extend(_split_long(para, cfg.max_words))
            continue
        if current and count + n > cfg.max_words:
            chunks.append("\n\n".join(current))
            current, count = [], 0
        current.append(para)
        count += n
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def chunk_prose(text: str, cfg: ChunkConfig, markdown: bool = False) -> list[Chunk]:
    """Plain text or Markdown: sections (Markdown headings) are never merged across."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    if markdown:
        in_code = False
        for line in text.split("\n"):
            if line.strip().startswith("```"):
                in_code = not in_code
            m = None if in_code else MD_HEADING_RE.match(line)
            if m:
                sections.append((m.group(2), []))
            else:
                sections[-1][1].append(line)
    else:
        sections[0][1].extend(text.split("\n"))
    chunks: list[Chunk] = []
    for title, lines in sections:
        for piece in pack_paragraphs(_paragraphs("\n".join(lines)), cfg):
            chunks.append(Chunk(text=(f"{title}\n\n{piece}" if title else piece), index=len(chunks),
                                attributes={"section": title} if title else {}))
    return chunks


def chunk_screenplay(play: Screenplay, cfg: ChunkConfig) -> list[Chunk]:
    """One chunk per scene (more if a scene is long, each repeating the heading)."""
    chunks: list[Chunk] = []
    for scene in play.scenes:
        body = scene.as_text().split("\n")
        head, paras = (body[0], body[1:]) if scene.heading else ("", body)
        attrs = {"scene": scene.number, "heading": scene.heading, "int_ext": scene.int_ext, "location": scene.location,
                 "time_of_day": scene.time_of_day, "characters": scene.characters}
        if scene.scene_number:
            attrs["scene_number"] = scene.scene_number
        for piece in pack_paragraphs([p for p in paras if p.strip()], ChunkConfig(max_words=cfg.max_words - _words(head))):
            text = f"{head}\n{piece}" if head else piece
            chunks.append(Chunk(text=text.replace("\n\n", "\n"), index=len(chunks), attributes=dict(attrs)))
    return chunks


def read_text(path: Path) -> str:
    """A text file as str: UTF-8 (with or without BOM), else Windows-1252; binary is refused."""
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise InputError(f"{path} looks like a binary file, not text; pass .txt, .md, .fountain or .pdf")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is neither UTF-8 nor Windows-1252 text; re-save it as UTF-8") from exc


def read_pdf(path: Path) -> list[str]:
    """Text of each page of a PDF (pypdf). Encrypted or broken PDFs raise InputError."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise InputError(f"{path} is an encrypted PDF; decrypt it first (e.g. `qpdf --decrypt`)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path} is not a readable PDF ({exc}); is it corrupt?") from exc
    if not any(p.strip() for p in pages):
        raise InputError(f"{path} has no extractable text (a scanned PDF?); run OCR on it first")
    return pages


def analyze_document(path: Path, config: ChunkConfig | None = None) -> DocumentAnalysis:
    """Read and chunk one document; the format comes from the suffix (and, for PDF and plain
    text, from whether it reads like a screenplay)."""
    cfg = config or ChunkConfig()
    t0 = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass a document file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes)")
    path = path.resolve()
    suffix = path.suffix.lower()
    play: Screenplay | None = None
    if suffix == ".pdf":
        pages = read_pdf(path)
        text = "\n\n".join(pages)
        if looks_like_screenplay(text, need_blank=False):
            fmt, play = "pdf-screenplay", parse_fountain(separate_headings(text))
            chunks = chunk_screenplay(play, cfg)
        else:
            fmt = "pdf"
            chunks = []
            for number, page in enumerate(pages, 1):
                for c in chunk_prose(page, cfg):
                    chunks.append(Chunk(text=c.text, index=len(chunks), attributes={"page": number}))
    else:
        text = read_text(path)
        if suffix in (".fountain", ".spmd") or (suffix in (".txt", ".text") and looks_like_screenplay(text)):
            fmt, play = "fountain", parse_fountain(text)
            chunks = chunk_screenplay(play, cfg)
        elif suffix in (".md", ".markdown"):
            fmt, chunks = "markdown", chunk_prose(text, cfg, markdown=True)
        else:
            fmt, chunks = "text", chunk_prose(text, cfg)
    if not chunks:
        raise InputError(f"{path} holds no text to remember")
    words = _words(text)
    if play is not None:
        title = play.title or path.name
        summary_text = (f"Screenplay {title} ({path.name}): {len(play.scenes)} scenes, {words} words. "
                        f"Characters: {', '.join(play.characters[:12]) or 'none'}. Locations: {', '.join(play.locations[:12]) or 'none'}.")
    else:
        sections = [c.attributes.get("section") for c in chunks if c.attributes.get("section")]
        summary_text = f"Document {path.name} ({fmt}): {words} words in {len(chunks)} chunks." + (
            f" Sections: {', '.join(dict.fromkeys(sections))}." if sections else "")
    summary = DocumentSummary(
        source=str(path), format=fmt, words=words, chunks=len(chunks), scenes=len(play.scenes) if play else 0,
        characters=play.characters if play else [], locations=play.locations if play else [],
        analysis_seconds=round(time.perf_counter() - t0, 3), text=summary_text,
    )
    return DocumentAnalysis(summary=summary, chunks=chunks)
