"""Downloading an article: a timeout on the whole transfer, a size cap, few redirects, HTML or text only,
and, where the caller asks for it (the server does), only global addresses: every hop's host is resolved
once, every address it resolves to must be global (no loopback, private, shared, link-local, site-local,
multicast or reserved address, nor one that embeds such an IPv4 address), and the connection goes to exactly
the address that was checked, so a DNS answer that changes between check and connect cannot slip through.
Only global addresses is the default (`FetchLimits.allow_private`); the CLI's --allow-private-urls and
`analyze(..., allow_private_urls=True)` lift it. Only gzip and deflate bodies are accepted: they are decoded
a chunk at a time under the byte cap, and any other Content-Encoding is refused before a byte is decoded."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from socket import SOCK_STREAM, gaierror, getaddrinfo

import httpx

from propaganda_lens.ingest.errors import IngestError

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 "
    "propaganda-lens/0.1"
)
MAX_BYTES = 5_000_000
TEXT_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/markdown"})
ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9"
CONTENT_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate", "identity"})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    timeout_s: float = 20.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = 5
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded page: its bytes, media type, declared charset and final URL after redirects."""

    data: bytes
    media_type: str
    charset: str | None
    url: str


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def is_public(address: str) -> bool:
    """True only for a global unicast address. IPv6 addresses that carry an IPv4 address (mapped,
    compatible, 6to4, Teredo, NAT64) are judged by that IPv4 address too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.is_global and not ip.is_multicast
    if ip.ipv4_mapped is not None:
        return is_public(str(ip.ipv4_mapped))
    if not ip.is_global or ip.is_multicast or ip.is_site_local or ip in _NAT64_LOCAL:
        return False
    embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
    if embedded is None and (ip in _NAT64 or ip in _IPV4_COMPATIBLE):
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return embedded is None or is_public(str(embedded))


def _checked_address(url: httpx.URL, original: str) -> str:
    """The one address `url`'s host resolves to that the request will go to; refused unless every
    address the host resolves to is public."""
    if url.scheme not in ("http", "https"):
        raise IngestError(f"{original}: only http and https addresses can be fetched")
    try:
        infos = getaddrinfo(url.host, url.port or (443 if url.scheme == "https" else 80), type=SOCK_STREAM)
    except (gaierror, UnicodeError, ValueError):
        raise IngestError(f"{original}: cannot resolve the host {url.host!r}; check the address") from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(is_public(address) for address in addresses):
        raise _private(original)
    return addresses[0]


def _private(original: str) -> IngestError:
    return IngestError(
        f"{original}: points to a private or local network address, which is not fetched unless allowed "
        "(--allow-private-urls)"
    )


def _pinned_request(client: httpx.Client, url: httpx.URL, original: str) -> httpx.Request:
    """A GET of `url` sent to the checked address of its host, with the Host header and TLS server name of
    the original host (so virtual hosts and certificates work as usual)."""
    address = _checked_address(url, original)
    host_header = url.netloc.decode("ascii")
    return client.build_request(
        "GET", url.copy_with(host=address), headers={"Host": host_header}, extensions={"sni_hostname": url.host}
    )


def fetch(url: str, limits: FetchLimits = FetchLimits(), media_types: frozenset[str] = TEXT_MEDIA_TYPES) -> Fetched:
    """GET `url`, accepting the `media_types` (pages and text unless the caller adds others, such as feeds);
    every failure is an IngestError that names the URL and says what went wrong."""
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
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                     "Accept": ACCEPT + "".join(f",{extra};q=0.8" for extra in sorted(media_types - TEXT_MEDIA_TYPES))},
        ) as client:
            for _ in range(limits.max_redirects + 1):
                if limits.allow_private:
                    request = client.build_request("GET", target)
                else:
                    request = _pinned_request(client, target, url)
                response = client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_STATUSES and location:
                        target = target.join(location)
                        continue
                    return _read(response, url, target, limits, deadline, media_types)
                finally:
                    response.close()
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


def _read(response: httpx.Response, url: str, final: httpx.URL, limits: FetchLimits, deadline: float,
          media_types: frozenset[str]) -> Fetched:
    if response.status_code >= 400:
        raise IngestError(f"{url}: the server answered {response.status_code} {response.reason_phrase}; check the address")
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in media_types:
        accepted = "an HTML page or text" if media_types <= TEXT_MEDIA_TYPES else "an HTML page, text or news feed"
        raise IngestError(
            f"{url}: is {media_type or 'of no declared type'}, not {accepted}; download it and analyze its text instead"
        )
    codings = [part.strip().lower() for part in response.headers.get("content-encoding", "").split(",") if part.strip()]
    refused = [coding for coding in codings if coding not in CONTENT_ENCODINGS]
    if refused:
        raise IngestError(f"{url}: is sent compressed as {refused[0]!r}; only gzip and deflate are read")
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
    return Fetched(b"".join(chunks), media_type, response.charset_encoding, str(final))


def _too_big(url: str, limits: FetchLimits) -> IngestError:
    return IngestError(f"{url}: larger than the {limits.max_bytes / 1e6:g} MB cap; save the article's text and analyze that")
