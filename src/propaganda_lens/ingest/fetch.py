"""Downloading an article: a timeout on the whole transfer, a size cap, few redirects, HTML or text only."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from propaganda_lens.ingest.errors import IngestError

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 "
    "propaganda-lens/0.1"
)
MAX_BYTES = 5_000_000
TEXT_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/markdown"})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    timeout_s: float = 20.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded page: its bytes, media type, declared charset and final URL after redirects."""

    data: bytes
    media_type: str
    charset: str | None
    url: str


def fetch(url: str, limits: FetchLimits = FetchLimits()) -> Fetched:
    """GET `url`; every failure is an IngestError that names the URL and says what went wrong."""
    deadline = time.monotonic() + limits.timeout_s
    try:
        with httpx.Client(
            timeout=limits.timeout_s,
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"},
        ) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise IngestError(
                    f"{url}: the server answered {response.status_code} {response.reason_phrase}; check the address"
                )
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in TEXT_MEDIA_TYPES:
                raise IngestError(
                    f"{url}: is {media_type or 'of no declared type'}, not an HTML page or text; "
                    "download it and analyze its text instead"
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise _too_big(url, limits)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise _too_big(url, limits)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("transfer deadline passed")
                chunks.append(chunk)
            return Fetched(b"".join(chunks), media_type, response.charset_encoding, str(response.url))
    except httpx.TimeoutException:
        raise IngestError(f"{url}: no complete answer within {limits.timeout_s:g} s; try again later") from None
    except httpx.TooManyRedirects:
        raise IngestError(f"{url}: more than {limits.max_redirects} redirects; give the final address") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError):
        raise IngestError(f"{url}: not a valid http(s) address") from None
    except httpx.ConnectError:
        raise IngestError(f"{url}: cannot connect to the server; check the address and your connection") from None
    except httpx.HTTPError as error:
        raise IngestError(f"{url}: the download failed ({type(error).__name__}); try again later") from None


def _too_big(url: str, limits: FetchLimits) -> IngestError:
    return IngestError(f"{url}: larger than the {limits.max_bytes / 1e6:g} MB cap; save the article's text and analyze that")
