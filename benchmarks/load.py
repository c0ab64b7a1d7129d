"""Load on the REST API: N concurrent clients on loopback for a bounded time.

    python benchmarks/load.py [--clients 50] [--seconds 30] [--workers 2] [--queue 16]

Starts `propaganda-lens serve` in its own process, warms it up, then runs the clients: each posts the
example article to /api/analyze, waits for the answer and posts again (after the Retry-After delay on
a 503). Prints requests/s, p50/p99 latency of the answered requests, every status and error seen, and
the resident memory of the server and its workers before, during and after the load, sampled every half second.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT.parent / "shared" / "examples" / "libya-haftar-derna-2018.md"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes, in MB."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


async def client(base: str, body: dict, stop_at: float, latencies: list[float], outcomes: collections.Counter) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                response = await http.post("/api/analyze", json=body)
            except httpx.HTTPError as error:
                outcomes[f"client error {type(error).__name__}"] += 1
                continue
            outcomes[response.status_code] += 1
            if response.status_code == 200:
                latencies.append(time.perf_counter() - start)
            elif response.status_code == 503:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))


async def sample_memory(pid: int, stop: asyncio.Event, samples: list[float]) -> None:
    while not stop.is_set():
        samples.append(rss_mb(pid))
        await asyncio.sleep(0.5)


async def run_load(base: str, pid: int, clients: int, seconds: float, body: dict) -> None:
    latencies: list[float] = []
    outcomes: collections.Counter = collections.Counter()
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pid, stop, samples))
    before = rss_mb(pid)
    start = time.monotonic()
    await asyncio.gather(*(client(base, body, start + seconds, latencies, outcomes) for _ in range(clients)))
    elapsed = time.monotonic() - start
    stop.set()
    await sampler
    after = rss_mb(pid)
    answered = sorted(latencies)
    errors = {key: count for key, count in outcomes.items() if key not in (200, 503)}
    print(f"{clients} clients for {elapsed:.1f} s: {len(answered)} answered ({len(answered) / elapsed:.2f} requests/s), "
          f"{outcomes.get(503, 0)} deliberate 503s, errors: {errors or 0}")
    if answered:
        p99 = answered[min(len(answered) - 1, int(0.99 * len(answered)))]
        print(f"latency of answered requests: p50 {statistics.median(answered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    third = max(1, len(samples) // 3)
    print(f"server RSS: {before:.0f} MB before, {statistics.mean(samples[:third]):.0f} MB in the first third, "
          f"{statistics.mean(samples[-third:]):.0f} MB in the last third, {max(samples):.0f} MB peak, "
          f"{after:.0f} MB after (last third / first third: {statistics.mean(samples[-third:]) / statistics.mean(samples[:third]):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=16)
    parser.add_argument("--article", type=Path, default=EXAMPLE)
    args = parser.parse_args()

    port = free_port()
    command = shutil.which("propaganda-lens") or str(Path(sys.executable).with_name("propaganda-lens"))
    server = subprocess.Popen([command, "serve", "--port", str(port), "--workers", str(args.workers),
                               "--queue", str(args.queue)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("the server did not start")
            time.sleep(0.2)
        body = {"text": args.article.read_text(encoding="utf-8")}
        for _ in range(3):
            httpx.post(f"{base}/api/analyze", json=body, timeout=60).raise_for_status()
        print(f"server: --workers {args.workers} --queue {args.queue}; article {args.article.name}")
        asyncio.run(run_load(base, server.pid, args.clients, args.seconds, body))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
