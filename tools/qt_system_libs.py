"""Check that the system libraries Qt's window needs are there, before Qt starts and crashes.

    python tools/qt_system_libs.py            # exit 0 when all are there; else say the apt line
    python tools/qt_system_libs.py --install  # ... and install them (as root, or with sudo -n)

PySide6's wheels bring Qt itself but not the X11/OpenGL/font libraries of the system. A fresh
Debian or Ubuntu lacks some of them (libxcb-cursor0 above all), and Qt then dies with "Could not
load the Qt platform plugin xcb". ``make run`` and ``make test`` run this first. It asks ``ldd``
which libraries the xcb platform plugin and Qt's widget libraries cannot find, maps each to its
Debian package and installs those with apt-get when it may (root, or sudo without a password);
otherwise it prints the one apt-get line to run and exits 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

# sonames whose Debian package name does not follow from the soname (libfoo-bar.so.N -> libfoo-barN)
PACKAGE_OF = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libpng16.so.16": "libpng16-16",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libexpat.so.1": "libexpat1",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libXrender.so.1": "libxrender1",
    "libXext.so.6": "libxext6",
    "libXi.so.6": "libxi6",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
}
# Everything the window needs at once, so a fresh machine is set up by one apt line.
KNOWN_SET = (
    "libegl1", "libgl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libdbus-1-3",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0", "libxcb-xinerama0",
    "libxcb-randr0", "libxcb-render-util0", "libxcb-image0",
)  # fmt: skip


def package_for(soname: str) -> str:
    """The Debian package that ships ``soname`` (libxcb-cursor.so.0 -> libxcb-cursor0)."""
    if soname in PACKAGE_OF:
        return PACKAGE_OF[soname]
    match = re.fullmatch(r"lib(.+)\.so\.(\d+)", soname)
    if not match:
        return soname
    stem, number = match.groups()
    name = stem.lower()
    return f"lib{name}-{number}" if name[-1].isdigit() else f"lib{name}{number}"


def qt_libraries() -> list[Path]:
    """The xcb platform plugin and Qt's GUI libraries of the installed PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        raise SystemExit("PySide6 is not installed in this Python; run `make` again to install it.")
    qt = Path(spec.origin).parent / "Qt"
    found = [qt / "plugins" / "platforms" / "libqxcb.so"]
    found += sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]
    found += sorted((qt / "lib").glob("libQt6Widgets.so*"))[:1]
    return [p for p in found if p.is_file()]


def missing_sonames(libraries: Iterable[Path]) -> list[str]:
    """Libraries ``ldd`` reports as "not found" for any of ``libraries``."""
    missing: set[str] = set()
    for library in libraries:
        result = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=False)
        missing.update(re.findall(r"^\s*(\S+) => not found", result.stdout, re.MULTILINE))
    return sorted(missing)


def apt_line(packages: Sequence[str]) -> str:
    return "sudo apt-get install -y " + " ".join(packages)


def install(packages: Sequence[str]) -> bool:
    """apt-get install as root, or through sudo when it needs no password. True when it ran."""
    if shutil.which("apt-get") is None:
        return False
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        prefix = ["sudo", "-n"]
    else:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    if subprocess.run(command, env=env, check=False).returncode == 0:
        return True
    # A machine that never ran apt-get update knows no packages yet.
    subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, check=False)
    return subprocess.run(command, env=env, check=False).returncode == 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--install", action="store_true", help="install what is missing")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        return 0
    missing = missing_sonames(qt_libraries())
    if not missing:
        return 0
    packages = sorted({package_for(name) for name in missing} | set(KNOWN_SET))
    print(f"Qt needs system libraries this machine lacks: {', '.join(missing)}.", file=sys.stderr)
    if args.install and install(packages):
        still = missing_sonames(qt_libraries())
        if not still:
            print("Installed them with apt-get.", file=sys.stderr)
            return 0
        print(f"Still missing after apt-get: {', '.join(still)}.", file=sys.stderr)
    print(f"Install them with:\n\n    {apt_line(packages)}\n", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
