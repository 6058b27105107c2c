"""One module per `ft-advisor` sub-command. Each exposes HELP, add_arguments(parser)
and run(args) -> exit code, and keeps heavy imports inside run() so that
`ft-advisor --help` stays fast."""

#: Sub-command name -> module, in the order `--help` lists them.
SUBCOMMANDS = {
    "app": "tui.subcommands.app",
    "chat": "tui.subcommands.chat",
    "ask": "tui.subcommands.ask",
    "estimate": "tui.subcommands.estimate",
    "decide": "tui.subcommands.decide",
    "prompt": "tui.subcommands.prompt",
    "report": "tui.subcommands.report",
    "catalog": "tui.subcommands.catalog",
}
