"""``python -m bench.figures NAME PARAMS_JSON``: run one figure (see :mod:`bench.figures`)."""

import sys

from bench.figures.registry import main

raise SystemExit(main(sys.argv[1:]))
