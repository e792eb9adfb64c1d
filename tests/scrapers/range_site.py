"""A static file served as a web server serves it (`RangeSite`: validators, 304, ranges, cuts
mid-body), and the real archive it serves: shared by the download tests and the AN import tests.

The file served is a real archive built from the real AN record: its bytes matter only as bytes here.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from werkzeug import Request, Response

from tests.conftest import sample_bytes

LAST_MODIFIED = "Tue, 03 Jun 2025 09:00:00 GMT"


def real_zip(copies: int = 40) -> bytes:
    """A zip of the real record under `copies` names: large enough to be cut and resumed."""
    out = io.BytesIO()
    record = sample_bytes("an/QANR5L17QE5268.json")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(copies):
            # Stored, not deflated, every other member: the file must not compress to almost nothing.
            archive.writestr(f"json/copy{n}.json", record,
                             compress_type=zipfile.ZIP_STORED if n % 2 else zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass
class RangeSite:
    """A static file as a web server serves it: ETag and Last-Modified, 304 on a matching
    If-None-Match (or, without one, If-Modified-Since), 206 for `Range: bytes=N-` when If-Range still
    matches, 416 past the end. `ignore_range` makes it answer 200 to every range; `cuts` cuts the next
    bodies half-way (the connection is closed mid-body); `requests` keeps each request's headers."""

    body: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = LAST_MODIFIED
    content_type: str = "application/zip"
    ignore_range: bool = False
    cuts: int = 0
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, body: bytes, etag: str, last_modified: str = "Wed, 04 Jun 2025 09:00:00 GMT") -> None:
        """A new version of the file."""
        self.body, self.etag, self.last_modified = body, etag, last_modified

    def _not_modified(self, request: Request) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            return self.etag is not None and self.etag.removeprefix("W/") in [
                tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return self.last_modified is not None and request.headers.get("If-Modified-Since") == self.last_modified

    def handler(self, request: Request) -> Response:
        with self.lock:
            self.requests.append({key.lower(): value for key, value in request.headers.items()})
            cut = self.cuts > 0
            self.cuts -= cut
        validators = {k: v for k, v in (("ETag", self.etag), ("Last-Modified", self.last_modified)) if v}
        if self.status != 200:
            return Response(b"<html><head><title>Not Found</title></head><body>404</body></html>",
                            status=self.status, content_type="text/html")
        if self._not_modified(request):
            return Response(status=304, headers=validators)
        start, status = 0, 200
        asked = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        if_range = request.headers.get("If-Range")
        if asked and not self.ignore_range and (if_range is None or if_range in validators.values()):
            start, status = int(asked.group(1)), 206
            if start >= len(self.body):
                return Response(status=416, headers={"Content-Range": f"bytes */{len(self.body)}"})
        payload = self.body[start:]
        headers = {**validators, "Content-Length": str(len(payload)), "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"
        if not cut:
            return Response(payload, status=status, headers=headers, content_type=self.content_type)
        sock = request.environ["werkzeug.socket"]

        def half_then_close() -> Iterator[bytes]:
            yield payload[:len(payload) // 2]
            sock.shutdown(socket.SHUT_RDWR)  # the connection drops mid-body, as a network failure would

        return Response(half_then_close(), status=status, headers=headers, content_type=self.content_type)
