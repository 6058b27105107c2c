"""The LLM advisor's prompt files (prompts/*.md), loaded by name. Each file opens with
an HTML comment that gives its version and why it is shaped so; the comment is for
people and is never sent to a model."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.DOTALL)


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    """A prompt file's text as the model sees it (the leading comment removed)."""
    text = resources.files("prompts").joinpath(name).read_text(encoding="utf-8")
    return _COMMENT.sub("", text, count=1).strip()


def exists(name: str) -> bool:
    return resources.files("prompts").joinpath(name).is_file()
