"""``python -m e2e``: the command-line entry point."""

import sys

from e2e.cli import main

sys.exit(main())
