"""Worker tasks for corpus run tests, loaded in spawned worker processes: no model, an empty analysis at
once, except for an article marked to hang or to kill its worker, as a hostile article would."""

from __future__ import annotations

import os
import time

from propaganda_lens.corpus.pool import Task
from propaganda_lens.corpus.run import StoredAnalysis

HANG, CRASH = "[hang]", "[crash]"


def load(model, threads):
    return None


def analyze(loaded, article_id, article):
    if HANG in article.text:
        time.sleep(3600)
    if CRASH in article.text:
        os._exit(9)  # as a crash in native code or the out-of-memory killer would
    return StoredAnalysis(article_id, covered_chars=0)


HOSTILE = Task(load, analyze)
