"""Entry point of the frozen app (PyInstaller runs this file as ``__main__``).

It does what the ``transitions-app`` console script does, so the frozen app and the pip-installed
app behave the same.
"""

from __future__ import annotations

import multiprocessing
import sys

from transitions_app.cli import main

if __name__ == "__main__":
    # Export workers are started with "spawn"; a frozen app must hand them to multiprocessing.
    multiprocessing.freeze_support()
    sys.exit(main())
