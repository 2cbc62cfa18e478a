"""The command line (Typer): parse options, call the engine, print, choose the exit code.

The only folder that imports Typer or prints. `app` holds the Typer app and the global
options; `audit`, `run`, `verify` and `history` its commands, mirroring `commands`;
`printing` what they print; `argv` how the arguments are read; `main` the entry point.
Exit codes: see `base.exit_codes`.
"""
