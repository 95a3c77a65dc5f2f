"""`python -m site_builder`: the same command line as `site-builder`."""

import sys

from .commands.cli import main

sys.exit(main())
