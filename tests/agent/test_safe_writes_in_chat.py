"""`/report` in chat and the config file through the safe reader and writer."""
from __future__ import annotations

import asyncio
import os

import pytest

from agent.events import TextDelta
from agent.session import Session
from tools.catalog.config import load_config, save_config
from tools.errors import InputError


def _said(session: Session, line: str) -> str:
    async def run():
        return [e async for e in session.send(line)]
    return "".join(e.text for e in asyncio.run(run()) if isinstance(e, TextDelta))


def test_report_refuses_to_replace_a_file_unless_the_path_ends_with_a_bang(tmp_path):
    session = Session.start(offline=True)
    target = tmp_path / "report.md"
    target.write_text("precious")
    os.chmod(target, 0o664)
    text = _said(session, f"/report {target}")
    assert "PATH!" in text and target.read_text() == "precious"
    text = _said(session, f"/report {target}!")
    assert "Report written to" in text and target.read_text().startswith("#")
    assert oct(target.stat().st_mode & 0o777) == oct(0o664)


def test_report_never_follows_a_planted_temp_symlink_nor_replaces_a_fifo(tmp_path):
    session = Session.start(offline=True)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (tmp_path / "planted.md.tmp").symlink_to(victim)
    assert "Report written to" in _said(session, f"/report {tmp_path / 'planted.md'}")
    assert victim.read_text() == "untouched"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "FIFO" in _said(session, f"/report {fifo}!")


@pytest.mark.parametrize("content", [
    b"a = " + b"[" * 5000 + b"]" * 5000,
    b"[llm]\nmodel = '" + b"x" * 2_000_000 + b"'\n",
    b"\xff\xfe\x00binary",
    b"x = 9" + b"9" * 5000,
], ids=["deep", "huge", "binary", "digits"])
def test_a_hostile_config_file_is_one_input_error(tmp_path, content):
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "\n" not in str(err.value)[:500]


def test_the_config_keeps_its_mode_and_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text("[llm]\nmodel = 'a'\n")
    os.chmod(real, 0o640)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_config({"llm": {"model": "ollama_chat/llama3.1"}}, link)
    assert link.is_symlink() and "llama3.1" in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o640
