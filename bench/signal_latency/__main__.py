"""``python -m bench.signal_latency PARAMS_JSON``: run the figure, print its result line."""

import json
import sys

from bench.figures import RESULT_MARK
from bench.signal_latency.figure import signal_latency

result = signal_latency(json.loads(sys.argv[1]))
sys.stdout.write(RESULT_MARK + json.dumps(result, default=str) + "\n")
