"""`ft-advisor prompt --profile FILE [-o OUT]`: the structured prompt to try before
paying for fine-tuning (role, context, constraints, output schema, few-shot slots,
reasoning steps), built for the case profile."""
from __future__ import annotations

import argparse

HELP = "write a structured prompt scaffold for the case profile: the thing to try before fine-tuning"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.subcommands.decide import add_output_arguments, add_profile_arguments

    add_profile_arguments(parser)
    add_output_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from tools.decision.decide import decide
    from tools.errors import InputError
    from tools.decision.scaffold import build_prompt_scaffold
    from tui.subcommands.decide import fail, parse_date, read_profile, write_output

    try:
        profile = read_profile(args.profile)
        # The strategy decides whether the scaffold carries a retrieval slot.
        strategy = decide(profile, today=parse_date(args.date)).strategy
        write_output(build_prompt_scaffold(profile, strategy=strategy), args.output, force=args.force,
                     inputs=(args.profile,))
    except InputError as exc:
        return fail("prompt", exc)
    return 0
