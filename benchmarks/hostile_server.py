"""The server under hostile load: /health latency and 504 punctuality while every worker is stuck on texts
that take longer than the timeout, then resident memory (server and workers together) under four concurrent
long texts, at its peak and once idle.

    python benchmarks/hostile_server.py [--timeout 5] [--chars 300000]

Starts `propaganda-lens serve --workers 2` in its own process. Phase 1 sends two texts of --chars characters
with the server's --timeout, and polls /health every 100 ms until both are answered. Phase 2 restarts the
server with a timeout long enough to finish, sends four such texts at once, samples memory every 200 ms,
and samples it again 10 s after the last answer.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from load import EXAMPLE, free_port, rss_mb  # benchmarks/load.py, beside this script


class Server:
    def __init__(self, timeout_s: float, workers: int = 2, queue: int = 4) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = shutil.which("propaganda-lens") or str(Path(sys.executable).with_name("propaganda-lens"))
        self.process = subprocess.Popen(
            [command, "serve", "--port", str(self.port), "--workers", str(workers), "--queue", str(queue),
             "--timeout", str(timeout_s), "--max-body-bytes", "20000000"],
            stderr=subprocess.DEVNULL,
        )
        self.info = psutil.Process(self.process.pid)

    def __enter__(self) -> "Server":
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.post(f"{self.base}/api/analyze", json={"text": "Warm up, patriots!"}, timeout=60).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit("the server did not start")
            time.sleep(0.2)

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


async def timed_post(http: httpx.AsyncClient, body: dict) -> tuple[int, float]:
    started = time.monotonic()
    response = await http.post("/api/analyze", json=body)
    return response.status_code, time.monotonic() - started


async def health_during_timeouts(server: Server, text: str, timeout_s: float) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=600) as http:
        attacks = [asyncio.create_task(timed_post(http, {"text": text, "input_format": "text"})) for _ in range(2)]
        latencies = []
        while not all(attack.done() for attack in attacks):
            started = time.monotonic()
            await http.get("/health")
            latencies.append(time.monotonic() - started)
            await asyncio.sleep(0.1)
        answers = [attack.result() for attack in attacks]
    late = [seconds - timeout_s for _, seconds in answers]
    print(f"phase 1: {[status for status, _ in answers]} answers, {max(late):+.2f} s past the {timeout_s:g} s deadline at worst")
    print(f"  /health during it: {len(latencies)} polls, median {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")


async def memory_under_long_texts(server: Server, text: str) -> None:
    samples = []
    async with httpx.AsyncClient(base_url=server.base, timeout=1200) as http:
        posts = [asyncio.create_task(timed_post(http, {"text": text, "input_format": "text"})) for _ in range(4)]
        while not all(post.done() for post in posts):
            samples.append(rss_mb(server.process.pid))
            await asyncio.sleep(0.2)
        answers = [post.result() for post in posts]
    await asyncio.sleep(10)
    idle = rss_mb(server.process.pid)
    parts = [process.memory_info().rss / 2**20 for process in [server.info, *server.info.children(recursive=True)]]
    print(f"phase 2: four texts answered {[status for status, _ in answers]} in "
          f"{max(seconds for _, seconds in answers):.1f} s; server + workers RSS peak {max(samples):.0f} MB, "
          f"idle {idle:.0f} MB 10 s later (server {parts[0]:.0f} MB, workers "
          f"{', '.join(f'{part:.0f}' for part in parts[1:])} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="The server's --timeout in phase 1.")
    parser.add_argument("--chars", type=int, default=300_000, help="Characters of each long text.")
    args = parser.parse_args()
    article = EXAMPLE.read_text(encoding="utf-8")
    text = (article * (args.chars // len(article) + 1))[: args.chars]
    with Server(args.timeout) as server:
        base_rss = rss_mb(server.process.pid)
        print(f"server + 2 workers at rest: {base_rss:.0f} MB; texts of {len(text):,} characters")
        asyncio.run(health_during_timeouts(server, text, args.timeout))
    with Server(1200) as server:
        asyncio.run(memory_under_long_texts(server, text))


if __name__ == "__main__":
    main()
