# SPDX-License-Identifier: MIT
"""A span around subprocess.run of another Python program that has
spans of its own.

usage: spawns.py -           (the parent)
       spawns.py - child     (what the parent runs)
"""
import subprocess
import sys

from keke import kev

if __name__ == "__main__":
    if sys.argv[2:] == ["child"]:
        with kev("in child process"):
            print("child ran")
    else:
        with kev("run child"):
            subprocess.run([sys.executable, __file__, "-", "child"],
                           check=True)
