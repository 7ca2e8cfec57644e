"""Old Word files (.doc, Word 97-2003) converted to .docx by LibreOffice, headless.

An adapter at the edge: a child process with a profile of its own (so conversions running at
once never share one), a time limit, and a temporary folder that is always removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bot.errors import DrafterError

TIMEOUT_S = 120
_CANDIDATES = ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice",
               "/opt/libreoffice/program/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice")


class ConversionError(DrafterError):
    """``reason``: "missing" (LibreOffice not installed), "failed" or "timeout"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def soffice() -> str | None:
    """The LibreOffice program, or None. ``DRAFTER_SOFFICE`` names another one ("" = none)."""
    configured = os.environ.get("DRAFTER_SOFFICE")
    if configured is not None:
        return shutil.which(configured) if configured else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def doc_to_docx(data: bytes) -> bytes:
    """The .docx LibreOffice makes of a .doc's bytes."""
    program = soffice()
    if program is None:
        raise ConversionError("missing")
    with tempfile.TemporaryDirectory(prefix="drafter-doc-") as tmp:
        folder = Path(tmp)
        source = folder / "input.doc"
        source.write_bytes(data)
        out = folder / "out"
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML",
                   "--outdir", str(out), str(source)]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp,
                                       env={**os.environ, "HOME": tmp})
        except OSError:
            raise ConversionError("missing") from None
        try:
            process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: helpers die with it
            process.wait()
            raise ConversionError("timeout") from None
        result = out / "input.docx"
        if process.returncode != 0 or not result.is_file():
            raise ConversionError("failed")
        return result.read_bytes()
