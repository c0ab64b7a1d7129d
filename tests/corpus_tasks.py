"""Worker tasks for corpus run tests, loaded in spawned worker processes: no model, an empty analysis at
once, except for an article marked to hang or to kill its worker, as a hostile article would."""

from __future__ import annotations

import os
import re
import time

from propaganda_lens.corpus.pool import Task
from propaganda_lens.corpus.work import StoredAnalysis

HANG, CRASH = "[hang]", "[crash]"
WAIT_FOR = re.compile(r"\[wait for (.+?)\]")  # an article "[wait for PATH]" waits until the file PATH exists


def load(model, threads):
    return None


def analyze(loaded, items):
    for item in items:
        if HANG in item.article.text:
            time.sleep(3600)
        if CRASH in item.article.text:
            os._exit(9)  # as a crash in native code or the out-of-memory killer would
        if wait := WAIT_FOR.search(item.article.text):
            while not os.path.exists(wait.group(1)):
                time.sleep(0.05)
    return [StoredAnalysis(item.article_id, covered_chars=0) for item in items]


HOSTILE = Task(load, analyze)


def call_sizes(loaded, items):
    """Each item's result records how many items its call had (in covered_chars); a [hang] item hangs."""
    if any(HANG in item.article.text for item in items):
        time.sleep(3600)
    return [StoredAnalysis(item.article_id, covered_chars=len(items)) for item in items]


CALL_SIZES = Task(load, call_sizes)
