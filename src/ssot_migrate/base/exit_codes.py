"""The exit codes of every command, in one place (README's "Exit codes" table says the same).

| code | meaning |
| --- | --- |
| 0 | ok; for `audit --check`, the gate passed (files it could not parse are listed on stderr) |
| 1 | a check failed: `audit --check` (a symbol above its target, a count above the baseline, or with `--strict` a file it could not parse; with `--due`, a shim whose removal has come), `verify`, `rollback` with branches left, `retire` with a due legacy path left (with `--check`, any) |
| 2 | usage or configuration error; nothing was written |
| 3 | partial: some files could not be read, parsed or safely rewritten (each is listed); the rest was done |
| 130 | interrupted (Ctrl-C), or a question answered by ending the input; nothing more was written |
"""

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130
