"""Downloading an article: a timeout on the whole transfer, a size cap, few redirects, HTML or text only,
and, where the caller asks for it (the server does), no private, loopback, link-local or multicast
addresses: every hop's host is resolved and checked before the request, and the address actually
connected to is checked again before the body is read, so a DNS answer that changes cannot slip through."""

from __future__ import annotations

import ipaddress
from socket import SOCK_STREAM, gaierror, getaddrinfo
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
    allow_private: bool = True


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded page: its bytes, media type, declared charset and final URL after redirects."""

    data: bytes
    media_type: str
    charset: str | None
    url: str


def is_public(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified addresses
    (IPv4-mapped IPv6 addresses judged by their IPv4 part)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified)


def _check_host(url: httpx.URL, original: str) -> None:
    if url.scheme not in ("http", "https"):
        raise IngestError(f"{original}: only http and https addresses can be fetched")
    try:
        infos = getaddrinfo(url.host, url.port or (443 if url.scheme == "https" else 80), type=SOCK_STREAM)
    except (gaierror, UnicodeError):
        raise IngestError(f"{original}: cannot resolve the host {url.host!r}; check the address") from None
    if not all(is_public(info[4][0]) for info in infos):
        raise _private(original)


def _private(original: str) -> IngestError:
    return IngestError(f"{original}: points to a private or local network address, which this server does not fetch")


def fetch(url: str, limits: FetchLimits = FetchLimits()) -> Fetched:
    """GET `url`; every failure is an IngestError that names the URL and says what went wrong."""
    deadline = time.monotonic() + limits.timeout_s
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise IngestError(f"{url}: not a valid http(s) address") from None
    if target.scheme not in ("http", "https"):
        raise IngestError(f"{url}: only http and https addresses can be fetched")
    try:
        with httpx.Client(
            timeout=limits.timeout_s,
            follow_redirects=False,
            trust_env=limits.allow_private,  # a proxy would resolve hosts where they cannot be checked
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"},
        ) as client:
            request = client.build_request("GET", target)
            for _ in range(limits.max_redirects + 1):
                if not limits.allow_private:
                    _check_host(request.url, url)
                with client.stream("GET", request.url) as response:
                    if not limits.allow_private:
                        peer = response.extensions["network_stream"].get_extra_info("server_addr")
                        if peer is None or not is_public(peer[0]):
                            raise _private(url)
                    if response.next_request is not None:
                        request = response.next_request
                        continue
                    return _read(response, url, limits, deadline)
            raise httpx.TooManyRedirects("too many redirects", request=request)
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


def _read(response: httpx.Response, url: str, limits: FetchLimits, deadline: float) -> Fetched:
    if response.status_code >= 400:
        raise IngestError(f"{url}: the server answered {response.status_code} {response.reason_phrase}; check the address")
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


def _too_big(url: str, limits: FetchLimits) -> IngestError:
    return IngestError(f"{url}: larger than the {limits.max_bytes / 1e6:g} MB cap; save the article's text and analyze that")
