"""Document ingestion: Fountain screenplays, Markdown, plain text and PDF, chunked on scene and
paragraph boundaries; unreadable documents refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory.ingest.document import ChunkConfig, analyze_document, pack_paragraphs
from memory.ingest.fountain import parse_fountain, split_heading
from memory.ingest.reference import ingest_reference
from memory.items import SearchFilters
from memory.store import SceneMemory
from reelgraph.errors import InputError

SCRIPT = """Title: The Last Night
Credit: Written by
Author: A. Writer

INT. LIGHTHOUSE - NIGHT #1#

Rain hammers the glass. MARA (60s) trims the wick.

MARA
(quietly)
One more night.

TOM (V.O.)
You said that last year.

MARA
Did I?

TOM ^
You did.

CUT TO:

EXT. CLIFF PATH - DAWN

/* an old line the writer cut */Gulls wheel overhead. [[note: check the weather]]

@McCLANE
Come out to the coast.

.UNDERWATER

Bubbles rise past a drowned bell.

> THE END <
"""


def test_fountain_elements() -> None:
    """Title page, scene headings (numbered, forced), INT/EXT/location/time, characters with
    extensions, parentheticals, dual dialogue, transitions, centred text; notes and boneyard gone."""
    play = parse_fountain(SCRIPT)
    assert play.title == "The Last Night" and play.title_page["author"] == "A. Writer"
    assert [s.heading for s in play.scenes] == ["INT. LIGHTHOUSE - NIGHT", "EXT. CLIFF PATH - DAWN", "UNDERWATER"]
    first, second, third = play.scenes
    assert (first.int_ext, first.location, first.time_of_day, first.scene_number) == ("INT", "LIGHTHOUSE", "NIGHT", "1")
    assert (second.int_ext, second.location, second.time_of_day) == ("EXT", "CLIFF PATH", "DAWN")
    kinds = [e.kind for e in first.elements]
    assert kinds == ["action", "dialogue", "dialogue", "dialogue", "dialogue", "transition"]
    mara = first.elements[1]
    assert (mara.character, mara.parentheticals, mara.text) == ("MARA", ["quietly"], "One more night.")
    assert first.elements[2].character == "TOM" and first.elements[2].extension == "V.O."
    assert [e.dual for e in first.elements[1:5]] == [False, False, True, True]
    assert first.elements[5].text == "CUT TO:"
    assert second.elements[0].text == "Gulls wheel overhead." and second.characters == ["McCLANE"]
    assert third.elements[-1].kind == "centered"
    assert play.characters == ["MARA", "TOM", "McCLANE"]
    assert play.locations == ["LIGHTHOUSE", "CLIFF PATH", "UNDERWATER"]
    assert split_heading("INT./EXT. CAR - MOVING - DAY") == ("INT/EXT", "CAR - MOVING", "DAY")


def test_fountain_chunks_per_scene_and_search(tmp_path: Path, embedder) -> None:
    """Each scene becomes its own chunk carrying heading, location and characters; a search for
    what happens in a scene finds that scene."""
    path = tmp_path / "last_night.fountain"
    path.write_text(SCRIPT)
    with SceneMemory.open(tmp_path / "mem", embedder=embedder) as memory:
        summary = ingest_reference(path, memory)
        assert summary.format == "fountain" and summary.scenes == 3 and summary.characters == ["MARA", "TOM", "McCLANE"]
        items = memory.items(SearchFilters(kind="doc"))
        assert [it.attributes["location"] for it in items] == ["LIGHTHOUSE", "CLIFF PATH", "UNDERWATER"]
        assert items[0].attributes["characters"] == ["MARA", "TOM"] and "MARA: (quietly) One more night." in items[0].text
        hit = memory.search("seabirds flying over a cliff at sunrise", k=1)[0]
        assert hit.item.attributes["heading"] == "EXT. CLIFF PATH - DAWN"


def test_long_scene_split_keeps_heading() -> None:
    """A scene longer than a chunk is split between paragraphs, each part repeating the heading."""
    action = "\n\n".join(f"Paragraph {i}: " + "waves crash against the rocks " * 8 for i in range(12))
    text = f"EXT. SHORE - NIGHT\n\n{action}\n"
    from memory.ingest.document import chunk_screenplay

    chunks = chunk_screenplay(parse_fountain(text), ChunkConfig(max_words=120))
    assert len(chunks) >= 3
    assert all(c.text.startswith("EXT. SHORE - NIGHT\n") for c in chunks)
    assert all(len(c.text.split()) <= 120 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    assert all(f"Paragraph {i}:" in joined for i in range(12))


def test_markdown_sections_and_paragraphs(tmp_path: Path) -> None:
    """Markdown chunks never mix sections nor cut a paragraph; an over-long paragraph is cut at
    sentence ends."""
    para = "The keeper climbs the stairs. " * 10
    long_para = " ".join(f"Sentence number {i} is here." for i in range(100))
    path = tmp_path / "notes.md"
    path.write_text(f"# Look\n\n{para}\n\n{para}\n\n## Sound\n\n{long_para}\n\n```\n# not a heading\n```\n")
    doc = analyze_document(path, ChunkConfig(max_words=120))
    sections = [c.attributes.get("section") for c in doc.chunks]
    assert sections[0] == "Look" and set(sections) == {"Look", "Sound"}
    look = [c for c in doc.chunks if c.attributes["section"] == "Look"]
    assert len(look) == 1 and look[0].text.count("The keeper climbs") == 20
    sound = [c for c in doc.chunks if c.attributes["section"] == "Sound"]
    assert len(sound) >= 4 and all(len(c.text.split()) <= 121 for c in sound)  # +1: the repeated section title
    joined = " ".join(c.text for c in sound)
    assert all(f"Sentence number {i} is here." in joined for i in range(100))  # no sentence was cut
    assert "# not a heading" in joined  # a '#' inside a code block is not a section


def test_pack_paragraphs_never_splits_short_ones() -> None:
    """Paragraphs under the limit are packed whole: each appears intact in exactly one chunk."""
    paras = [f"p{i} " + "word " * 30 for i in range(10)]
    paras = [p.strip() for p in paras]
    chunks = pack_paragraphs(paras, ChunkConfig(max_words=100))
    assert len(chunks) == 4 and all(len(c.split()) <= 100 for c in chunks)
    assert sorted(p for c in chunks for p in c.split("\n\n")) == sorted(paras)


def _pdf(path: Path, pages: list[list[str]]) -> None:
    """A minimal valid PDF: one Helvetica text line per entry, pages in order."""
    objects: list[bytes] = []
    kids = []
    font_id = 3
    for lines in pages:
        stream = b"BT /F1 11 Tf 50 780 Td 14 TL " + b" ".join(
            b"(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1") + b") '" for ln in lines
        ) + b" ET"
        content_id = 4 + 2 * len(kids) + 1
        page_id = 4 + 2 * len(kids)
        kids.append(page_id)
        objects.append((page_id, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id))
        objects.append((content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
    objects = [(1, b"<< /Type /Catalog /Pages 2 0 R >>"),
               (2, b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)),
               (font_id, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")] + objects
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for oid, body in sorted(objects):
        offsets[oid] = len(out)
        out += b"%d 0 obj\n" % oid + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for oid in sorted(offsets):
        out += b"%010d 00000 n \n" % offsets[oid]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def test_pdf_prose_and_screenplay(tmp_path: Path) -> None:
    """PDF text comes out per page (page numbers kept); a PDF that reads as a screenplay is
    parsed into scenes."""
    prose = tmp_path / "treatment.pdf"
    _pdf(prose, [["The film opens on a frozen lake.", "", "A mammoth crosses at dawn."], ["Night falls over the city."]])
    doc = analyze_document(prose)
    assert doc.summary.format == "pdf"
    assert [c.attributes["page"] for c in doc.chunks] == [1, 2]
    assert "frozen lake" in doc.chunks[0].text and "city" in doc.chunks[1].text
    script = tmp_path / "script.pdf"
    lines = ["INT. KITCHEN - NIGHT", "", "Maria pours coffee.", "", "EXT. STREET - DAY", "", "Cars pass.", "",
             "INT. OFFICE - DAY", "", "Phones ring."]
    _pdf(script, [lines])
    doc = analyze_document(script)
    assert doc.summary.format == "pdf-screenplay" and doc.summary.scenes == 3
    assert doc.summary.locations == ["KITCHEN", "STREET", "OFFICE"]


def test_plain_text_screenplay_detected(tmp_path: Path) -> None:
    path = tmp_path / "script.txt"
    path.write_text("INT. A - DAY\n\nOne.\n\nINT. B - DAY\n\nTwo.\n\nEXT. C - NIGHT\n\nThree.\n")
    assert analyze_document(path).summary.format == "fountain"
    path.write_text("Just a note about the film.\n\nAnother paragraph.\n")
    doc = analyze_document(path)
    assert doc.summary.format == "text" and len(doc.chunks) == 1


@pytest.mark.parametrize("name,content", [
    ("empty.txt", b""),
    ("binary.txt", bytes(range(256)) * 4),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog"),
    ("blank.md", b"\n\n   \n"),
])
def test_bad_documents(tmp_path: Path, name: str, content: bytes) -> None:
    """Empty, binary, corrupt and content-free documents raise an InputError naming the file."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        analyze_document(path)
    assert name in str(err.value)


def test_unknown_suffix_refused(tmp_path: Path, embedder) -> None:
    path = tmp_path / "data.xyz"
    path.write_text("hello")
    with SceneMemory.open(tmp_path / "mem", embedder=embedder) as memory, pytest.raises(InputError, match="unknown file type"):
        ingest_reference(path, memory)
