"""Reads a PDF's text layer in a process of its own: `review.inputs.pdf` runs this file as a script with the PDF on
standard input and its bounds as one JSON argument, and reads one JSON object back from standard output.

Why a process: pypdf interprets a page's operators in Python. A PDF of a few KB can hold a page of millions of them
(49 s for 900,000 `Tj`, holding the service's one upload lane), and parsing them grows the heap by hundreds of MB
that the allocator keeps after the file is done (a service worker went 568 MB → 2.9 GB over 13 uploads of a
1 MB file in a hostile trial). In a child, the time is bounded by killing it and the memory by an address-space
limit, and whatever it allocated is gone when it exits.

Standalone on purpose (the standard library and pypdf only, no `review` import): it starts in about a tenth of a
second instead of loading the review pipeline. Answers:
  {"pages": [[number, text], ...], "unread": [number, ...], "author": str | null}
  {"refused": "invalid_pdf"} | {"refused": "pages", "count": n} | {"refused": "page_bytes", "page": n, "size": n}
  | {"refused": "page_text_operators", "page": n, "count": n} | {"refused": "page_time", "page": n}
  | {"refused": "time"}
A page whose text pypdf cannot extract (one of its own limits reached, a damaged stream) is listed in "unread", never
passed over in silence: the caller says so and the file is not cleared.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time

# Text-showing operators, counted as bytes before parsing: Tj, TJ, ' and " (a quote inside a string counts too:
# the count is an upper bound). Text drawn through form XObjects is bounded by the page's time instead.
TEXT_OPERATORS = (b"Tj", b"TJ", b"'", b'"')


class PageTooSlow(BaseException):
    """A page's text took longer than its time to extract (a BaseException: pypdf's own `except Exception` blocks
    must not swallow it)."""


def _alarm(_signum: int, _frame: object) -> None:
    raise PageTooSlow()


def page_timer(seconds: float) -> bool:
    """Arm a timer that interrupts the page being read after `seconds` (POSIX; False where there is none)."""
    import signal

    if not hasattr(signal, "setitimer"):
        return False
    signal.signal(signal.SIGALRM, _alarm)
    # and again every tenth of a second after that, should anything catch the first one
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    return True


def stop_page_timer() -> None:
    """Disarm the page timer."""
    import signal

    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def limit_memory(max_bytes: int) -> None:
    """Cap this process's address space (POSIX; elsewhere the time bound alone applies)."""
    try:
        import resource
    except ImportError:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > max_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard if hard != resource.RLIM_INFINITY else max_bytes))


def read(data: bytes, bounds: dict) -> dict:
    """The answer for one PDF (see the module's docstring)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    started = time.monotonic()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged xref table is repaired with a warning per object
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # an owner password only (printing, copying) opens with the empty user password
        count = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, NotImplementedError):
        return {"refused": "invalid_pdf"}
    if count > bounds["max_pages"]:
        return {"refused": "pages", "count": count}
    pages, total, unread = [], 0, []
    for number in range(count):
        if time.monotonic() - started >= bounds["seconds"]:
            return {"refused": "time"}
        try:
            page = reader.pages[number]
            # extract_text interprets every operator of the page: a page of megabytes of them (packed into a few
            # KB) is refused before it is interpreted
            contents = page.get_contents()
            content = contents.get_data() if contents is not None else b""
        except Exception:  # a damaged page of an otherwise readable file: pypdf raises many kinds; the rest is read
            continue
        if len(content) > bounds["max_page_bytes"]:
            return {"refused": "page_bytes", "page": number + 1, "size": len(content)}
        operators = sum(content.count(operator) for operator in TEXT_OPERATORS)
        if operators > bounds["max_page_text_operators"]:
            return {"refused": "page_text_operators", "page": number + 1, "count": operators}
        del content
        page_timer(min(bounds["page_seconds"], max(0.01, bounds["seconds"] - (time.monotonic() - started))))
        try:
            text = page.extract_text() or ""
        except PageTooSlow:
            if time.monotonic() - started >= bounds["seconds"]:
                return {"refused": "time"}
            return {"refused": "page_time", "page": number + 1}
        except Exception:  # pypdf's own limits (LimitReachedError), a damaged stream, MemoryError: not read
            unread.append(number + 1)
            continue
        finally:
            stop_page_timer()
        # one page may expand to far more text than may be reviewed (a code mapped to hundreds of characters):
        # cut it here, so the answer stays small; the caller refuses the file for its length anyway
        text = text[: bounds["max_chars"] + 1]
        pages.append([number + 1, text])
        total += len(text)
        if total > bounds["max_chars"]:
            break  # more text than may be reviewed: the caller refuses the file, no need to read on
    metadata = reader.metadata or {}
    author = metadata.get("/Author")
    return {"pages": pages, "unread": unread, "author": author if isinstance(author, str) else None}


def main() -> int:
    """Read the PDF on stdin with the bounds in argv[1]; write the answer to stdout."""
    bounds = json.loads(sys.argv[1])
    limit_memory(int(bounds["memory_bytes"]))
    data = sys.stdin.buffer.read()
    answer = read(data, bounds)
    # ASCII JSON: no console encoding can garble it, and a lone surrogate pypdf may produce survives the trip
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
