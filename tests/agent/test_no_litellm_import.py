"""litellm (seconds to import) is never loaded in rule-only mode, by `estimate`, or
before an LLM session's first model call. Checked in fresh interpreters."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    env_code = textwrap.dedent(f"""
        import os
        os.environ["FT_ADVISOR_DATA_DIR"] = {str(tmp_path / 'data')!r}
        os.environ["FT_ADVISOR_CONFIG"] = {str(tmp_path / 'config.toml')!r}
        os.environ.pop("FT_ADVISOR_MODEL", None)
    """) + textwrap.dedent(code) + "\nimport sys\nassert 'litellm' not in sys.modules, 'litellm was imported'\nprint('CLEAN')\n"
    return subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=120)


def test_rule_only_session_never_imports_litellm(tmp_path):
    proc = _run("""
        import asyncio
        from agent.session import Session

        async def main():
            s = Session.start()
            assert s.mode == "offline", s.mode
            async for _ in s.opening():
                pass
            for line in ["We run a support bot; answers are often wrong; 50k labelled examples",
                         "1", "recommend", "/profile", "/help"]:
                async for _ in s.send(line):
                    pass
        asyncio.run(main())
    """, tmp_path)
    assert proc.returncode == 0 and "CLEAN" in proc.stdout, proc.stderr[-2000:]


def test_estimate_and_ask_offline_never_import_litellm(tmp_path):
    proc = _run("""
        from tui.cli import main
        assert main(["estimate", "training", "--model", "llama-3.1-8b", "--examples", "1000",
                     "--tokens-per-example", "500", "--json"]) == 0
        assert main(["ask", "--offline", "we have no labelled data and our docs change weekly"]) == 0
    """, tmp_path)
    assert proc.returncode == 0 and "CLEAN" in proc.stdout, proc.stderr[-2000:]


def test_llm_session_imports_litellm_only_when_it_calls_the_model(tmp_path):
    proc = _run("""
        import asyncio
        from agent.session import Session

        async def main():
            s = Session.start(model="openai/gpt-4o-mini")
            assert s.mode == "llm"
            async for _ in s.opening():
                pass
        asyncio.run(main())
    """, tmp_path)
    assert proc.returncode == 0 and "CLEAN" in proc.stdout, proc.stderr[-2000:]
