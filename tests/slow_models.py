"""Models for server tests, loaded in worker processes: the shipped model, but a text with a marker makes the
worker sleep, spin on the CPU, fail or grow, as hostile input would."""

from __future__ import annotations

import time
from dataclasses import dataclass

from propaganda_lens.server.workers import ModelSource

SLEEP, SPIN, FAIL = "[sleep]", "[spin]", "[fail]"


class MarkedDetector:
    def __init__(self, real):
        self.real, self.config, self.technique_precision = real, real.config, real.technique_precision

    def find_spans(self, text, threshold=None):
        if SLEEP in text:
            time.sleep(120)
        if SPIN in text:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # pure-Python work that holds this interpreter
                sum(range(1000))
        if FAIL in text:
            raise RuntimeError("secret internal detail")
        return self.real.find_spans(text, threshold)


@dataclass(frozen=True)
class MarkedModel(ModelSource):
    def load(self):
        return MarkedDetector(super().load())
