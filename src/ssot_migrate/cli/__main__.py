"""`python -m ssot_migrate.cli`: the command line, as the console script runs it."""

import sys

from ssot_migrate.cli.main import main

sys.exit(main())
