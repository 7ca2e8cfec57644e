"""The text layer of a PDF (pypdf), page by page; a scan without one is told apart.

Page headers and footers come out as lines of their own (a running title, "— 3 —"); cleaning
drops them like any page furniture, and joins the lines a page width wrapped.
"""

from __future__ import annotations

import io
import logging

from bot.errors import DrafterError

MAX_PAGES = 2000  # more than any report; a bound on the work a hostile file can ask for
MIN_TEXT_PER_PAGE = 10  # letters or Han characters a page needs to count as having text

log = logging.getLogger(__name__)


class PdfError(DrafterError):
    """``reason``: "broken", "encrypted", "no_text" (a scan) or "too_many_pages"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pdf_text(data: bytes) -> str:
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every odd object
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise PdfError("encrypted")  # a password to open it; an empty one is tried
        if len(reader.pages) > MAX_PAGES:
            raise PdfError("too_many_pages")
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text() or "")
            except Exception as exc:  # noqa: BLE001 - one damaged page must not cost the others
                log.warning("pdf page unreadable: %s", exc)
                pages.append("")
    except PdfError:
        raise
    except Exception as exc:  # pypdf raises many kinds on corrupt files
        raise PdfError("broken") from exc
    with_text = [p for p in pages if sum(ch.isalnum() for ch in p) >= MIN_TEXT_PER_PAGE]
    if not with_text:
        raise PdfError("no_text")
    return "\n".join(pages)
