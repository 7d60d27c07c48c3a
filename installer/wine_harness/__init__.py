"""TEST HARNESS ONLY: run the Windows build of Transitions under Wine on Linux.

Nothing in this folder is part of the product, its bundle or its installer; ``windows_build.py``
checks that the bundle and the installed files contain none of what is built here.
"""
