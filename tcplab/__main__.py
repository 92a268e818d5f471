"""``python -m tcplab``: the `tcplab` command (`tcplab.cli`) without installing it."""

import sys

from .cli import main

sys.exit(main())
