"""The physical lines of a CSV file for csv.reader, bounded so that no record over the record limit is held whole."""

from __future__ import annotations

from .limits import KEEP_CHARS

CHUNK = 8 << 20
#: Stands in for a bare CR inside the csv module (see BoundedLines); put back before staging.
BARE_CR = "\ue00d"


class RecordTooLarge(Exception):
    """Raised through csv.reader when a record passes the record limit; it has been skipped already."""

    def __init__(self, prefix: str) -> None:
        super().__init__("record too large")
        self.prefix = prefix


class BoundedLines:
    """The physical lines of a UTF-8 file, for csv.reader, without ever holding one record whole when it
    is longer than `limit` bytes.

    csv.reader asks for one line at a time and ends a record only at a line end; the consumer calls
    `record_done()` after each record. A record that grows past the limit is skipped to its end in
    chunks (its end: the first line end after it with an even count of quote characters, RFC 4180) and
    reported by raising RecordTooLarge out of the reader, carrying the record's first characters.
    """

    def __init__(self, fh, limit: int) -> None:
        self.fh = fh
        self.limit = limit
        self.lines = 0  # physical lines consumed, skipped ones included
        self.used = 0  # bytes of the current record so far
        self.quotes = 0  # quote characters of the current record so far
        self.first = True

    def __iter__(self) -> BoundedLines:
        return self

    def record_done(self) -> None:
        self.used = self.quotes = 0

    def __next__(self) -> str:
        raw = self.fh.readline(self.limit - self.used + 1)
        if not raw:
            raise StopIteration
        if self.first:
            self.first = False
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if self.used + len(raw) > self.limit:
            self._skip(raw)
        self.used += len(raw)
        self.quotes += raw.count(b'"')
        if raw.endswith(b"\n"):
            self.lines += 1
        text = raw.decode("utf-8", errors="replace")
        if "\r" in text.rstrip("\r\n") or text.endswith("\r"):
            # csv.reader ends a record at a bare CR even mid-field; the format's line ends are LF and CRLF
            # only, so a bare CR is data (quarantined later as a control character): carry it as BARE_CR.
            body, end = (text[:-2], "\r\n") if text.endswith("\r\n") else (text, "")
            text = body.replace("\r", BARE_CR) + end
        return text

    def _skip(self, raw: bytes) -> None:
        prefix = raw[: KEEP_CHARS * 4].decode("utf-8", errors="ignore")[:KEEP_CHARS]
        quotes = self.quotes + raw.count(b'"')
        piece = raw
        while True:
            if piece.endswith(b"\n"):
                self.lines += 1
                if quotes % 2 == 0:
                    break
            piece = self.fh.readline(CHUNK)
            if not piece:
                break
            quotes += piece.count(b'"')
        self.record_done()
        raise RecordTooLarge(prefix)
