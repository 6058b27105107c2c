"""Save a consultation of N messages (user and advisor turns, the advisor's as short
Markdown answers) into FT_ADVISOR_DATA_DIR, and mark it the one last open, so that
`ft-advisor --offline` reopens it. bench/startup.sh times that resume.

    FT_ADVISOR_DATA_DIR=/tmp/x .venv/bin/python bench/seed_consultation.py 50
"""
from __future__ import annotations

import sys

from agent.consultation import Consultation
from agent.storage import ConsultationStore
from tui import state


def seed(n: int) -> Consultation:
    c = Consultation()
    c.title = "A resumed consultation"
    for i in range(n // 2):
        c.messages.append({"role": "user", "content": f"Question {i}: what would a LoRA cost us per month?"})
        c.messages.append({"role": "assistant", "content": (
            f"## Answer {i}\n\nA LoRA on an 8B model costs **$4,000** a month to serve.\n\n"
            "| path | setup | /month |\n|---|---:|---:|\n| RAG | $15,000 | $9,500 |\n| LoRA | $30,000 | $4,000 |\n\n"
            "- the GPU price moves it most\n- the engineer's time comes next\n")})
    ConsultationStore().save(c)
    state.remember_open(c.id)
    return c


if __name__ == "__main__":
    seed(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
