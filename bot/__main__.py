"""`python -m bot`: the quotebot command, for when the entry point is not on the PATH."""

import sys

from bot.cli import main

sys.exit(main())
