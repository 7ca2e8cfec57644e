"""A saved web page (.html/.htm) → its main text, by trafilatura (offline; no request is made).

Navigation, sidebars and footers mostly go with the page's layout; what stays inside the
article (a download notice, a byline) is left to cleaning, which reads pages the same way
whatever their format. A page trafilatura finds no article in is read whole.
"""

from __future__ import annotations

import re
from functools import partial

from bot.ingest.encoding import Decoded, EncodingError, decode
from bot.text.clean import CELL_SEPARATOR

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜–—-]|--)\s*")
MIN_ARTICLE = 50  # characters: below this the extraction missed the article
PRECISE_SHARE = 0.4  # of the wide reading's length the precise one must reach to be taken


def decode_html(data: bytes) -> Decoded:
    """The page's own ``<meta charset>`` when it names one Python knows, else detection."""
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}.get(name, name)
        try:
            return Decoded(data.decode(name), name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def html_text(data: bytes) -> str:
    """Raises ``EncodingError`` for bytes that are no text."""
    import trafilatura

    html = decode_html(data).text
    if "<" not in html:
        raise EncodingError("binary")
    extract = partial(trafilatura.extract, include_tables=True, include_comments=False, include_links=False,
                      include_images=False, deduplicate=False, output_format="txt")
    # The precise reading keeps tables as tables and leaves menus out; when it finds much less
    # than the wide one (an article it did not recognise as such), the wide one is read.
    precise = extract(html, favor_precision=True) or ""
    wide = extract(html, favor_recall=True) or ""
    text = precise if len(precise) >= max(MIN_ARTICLE, PRECISE_SHARE * len(wide)) else wide
    if len(text.strip()) < MIN_ARTICLE:
        text = trafilatura.html2txt(html) or text
    lines = [_row(line) for line in text.splitlines()]
    metadata = trafilatura.extract_metadata(html)
    title = _page_title(metadata.title if metadata is not None else None)
    if title and not any(title in line for line in lines[:3]):
        lines.insert(0, title)
    return "\n".join(lines)


def _row(line: str) -> str:
    """trafilatura writes table rows as "| a | b |": cells apart as the other loaders write them."""
    m = _TABLE_ROW.match(line)
    if not m:
        return line
    return CELL_SEPARATOR.join(cell.strip() for cell in m.group(1).split("|") if cell.strip())


def _page_title(title: str | None) -> str:
    """``<title>`` without the site's name after a separator ("社区工作总结_某某范文网")."""
    if not title:
        return ""
    parts = [p for p in _SITE_SEPARATOR.split(title.strip()) if p]
    return max(parts, key=len) if parts else ""
