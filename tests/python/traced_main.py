# SPDX-License-Identifier: MIT
"""What the test programs here share: their command line.

usage: PROGRAM TRACE.json|-   (-: no TraceOutput)
"""
import sys

import keke


def run(main):
    """Runs main, inside a TraceOutput to the file argv[1] names."""
    if sys.argv[1] == "-":
        main()
    else:
        with open(sys.argv[1], "w") as f, keke.TraceOutput(file=f):
            main()
