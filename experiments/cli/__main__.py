"""``python -m experiments.cli``: the ``ai-chain`` command without the console script."""

import sys

from experiments.cli import main

sys.exit(main())
