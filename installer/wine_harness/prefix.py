"""TEST HARNESS ONLY: a Wine prefix set up to run Windows builds of Transitions.

Debian's Wine 8 runs the official Windows CPython and the Windows wheels, given three things a
real Windows 10 PC has and Wine 8 lacks or gets wrong. They are provided here, in the prefix, and
never in the product:

- ``icuuc.dll``: Qt6Core imports about 20 ``ucnv_*`` functions from Windows' own ICU. A
  forwarding DLL is built with the mingw-w64 cross compiler from a ``.def`` file that maps each
  name Qt6Core imports to the versioned export (``ucnv_open_78``) of the ICU DLLs in the
  ``icu4py`` Windows wheel, which are copied next to it.
- ``bcryptprimitives.dll`` with ``ProcessPrng`` (Rust's standard library imports it), built from
  ``bcryptprimitives.c`` over ``RtlGenRandom``.
- WMI: Python 3.13's ``platform`` module asks WMI, whose answer Wine 8 cannot convert
  (``propsys.VariantToString`` is a stub that aborts the process). WMI is switched off in the
  prefix (a DLL override), so ``platform`` falls back to ``GetVersionEx`` as on older Pythons.

Wine also cannot hand a Windows program a Linux file or /dev/null as its standard input or
output (Python then stops with "Invalid handle"), so :meth:`Wine.run` always connects pipes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINGW_GCC = "x86_64-w64-mingw32-gcc"
MINGW_OBJDUMP = "x86_64-w64-mingw32-objdump"
WINDOWS_VERSION = "win10"


class HarnessError(Exception):
    """The Wine harness could not be set up or a program in it failed."""


def log(message: str) -> None:
    print(f"[wine] {message}", flush=True)


def windows_path(path: Path) -> str:
    """A Linux path as Wine's Z: drive sees it."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


@dataclass
class Wine:
    """Runs Windows programs in one prefix (a private C: drive and registry)."""

    prefix: Path
    base_env: dict[str, str] = field(default_factory=dict)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        # The caller's Qt and Python settings (QT_QPA_PLATFORM=offscreen in CI) are not the
        # Windows program's: each run says what it wants.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "WINE"))}
        env.update(
            WINEPREFIX=str(self.prefix),
            WINEARCH="win64",
            WINEDEBUG="-all",
            # No Wine Mono or Gecko: nothing here uses .NET or HTML, and their install prompts
            # would wait forever for a click.
            WINEDLLOVERRIDES="mscoree,mshtml=",
        )
        env.update(self.base_env)
        env.update(extra or {})
        return env

    def run(
        self,
        program: str | Path,
        *args: str | Path,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = ["wine", str(program), *map(str, args)]
        shown = " ".join([Path(str(program)).name, *map(str, args)])
        try:
            result = subprocess.run(
                command,
                input="",  # a pipe: Wine cannot give a Windows program a Linux file as stdin
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=self.env(env),
                timeout=timeout,
                cwd=cwd,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise HarnessError(f"`{shown}` did not finish in {timeout:.0f} s under Wine.") from None
        if check and result.returncode != 0:
            raise HarnessError(
                f"`{shown}` exited {result.returncode} under Wine.\n"
                f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
            )
        return result

    def start(
        self, program: str | Path, *args: str | Path, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a program without waiting for it (the window)."""
        return subprocess.Popen(
            ["wine", str(program), *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env(env),
        )

    def wait_idle(self, timeout: float = 120) -> None:
        """Wait until every program in the prefix has ended (the uninstaller relaunches itself
        from %TEMP% and returns at once)."""
        subprocess.run(["wineserver", "-w"], env=self.env(), timeout=timeout, check=False)

    def stop(self) -> None:
        subprocess.run(["wineserver", "-k"], env=self.env(), check=False, capture_output=True)

    # --- the prefix ---------------------------------------------------------------------------

    def create(self) -> None:
        """A new, empty prefix set up as a Windows 10 PC."""
        if self.prefix.exists():
            self.stop()
            shutil.rmtree(self.prefix)
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        result = subprocess.run(
            ["wineboot", "--init"], env=self.env(), capture_output=True, text=True, check=False
        )
        self.wait_idle()
        if not (self.prefix / "system.reg").is_file():
            raise HarnessError(f"wineboot did not create the prefix:\n{result.stderr[-2000:]}")
        self.reg_add(r"HKCU\Software\Wine", "Version", WINDOWS_VERSION)
        self.reg_add(r"HKCU\Software\Wine\DllOverrides", "wbemprox", "")
        log(f"prefix {self.prefix} ready ({time.monotonic() - start:.0f} s)")

    def reg_add(self, key: str, name: str, value: str) -> None:
        self.run("reg", "add", key, "/v", name, "/d", value, "/f")

    def reg_query(self, key: str, name: str | None = None) -> str | None:
        """The value (or, with no name, the key's listing), or None when there is none."""
        args = ["query", key] + (["/v", name] if name else [])
        result = self.run("reg", *args, check=False)
        if result.returncode != 0:
            return None
        if name is None:
            return result.stdout
        match = re.search(rf"^\s*{re.escape(name)}\s+REG_\w+\s+(.*?)\s*$", result.stdout, re.M)
        return match.group(1) if match else None

    @property
    def system32(self) -> Path:
        return self.prefix / "drive_c" / "windows" / "system32"

    def user_folder(self, variable: str) -> Path:
        """A Windows user folder (LOCALAPPDATA, APPDATA, ...) as a Linux path in the prefix."""
        value = self.run("cmd", "/c", "echo", f"%{variable}%").stdout.strip()
        return self.linux_path(value)

    def linux_path(self, path: str) -> Path:
        """C:\\users\\... -> <prefix>/drive_c/users/..., Z:\\... -> /..."""
        drive, _, rest = path.partition(":")
        parts = [p for p in rest.split("\\") if p]
        if drive.upper() == "Z":
            return Path("/", *parts)
        return Path(self.prefix / "dosdevices" / f"{drive.lower()}:", *parts).resolve()


# --------------------------------------------------------------------------- the test DLLs


def _objdump(dll: Path) -> str:
    result = subprocess.run(
        [MINGW_OBJDUMP, "-p", str(dll)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise HarnessError(f"{MINGW_OBJDUMP} could not read {dll.name}: {result.stderr.strip()}")
    return result.stdout


def imports_from(dll: Path, library: str) -> list[str]:
    """The names ``dll`` imports from ``library`` (case-insensitive)."""
    names: list[str] = []
    inside = False
    for line in _objdump(dll).splitlines():
        if "DLL Name:" in line:
            inside = line.split("DLL Name:", 1)[1].strip().lower() == library.lower()
            continue
        if inside:
            parts = line.split()
            if len(parts) == 3 and parts[0].isalnum() and parts[1].isdigit():
                names.append(parts[2])
    return names


def exports_of(dll: Path) -> set[str]:
    return set(re.findall(r"^\s*\[\s*\d+\]\s+(\S+)$", _objdump(dll), re.MULTILINE))


@dataclass(frozen=True)
class HarnessDlls:
    """What the harness put into system32: their names and SHA-256 digests."""

    files: tuple[Path, ...]

    @property
    def names(self) -> set[str]:
        return {p.name.lower() for p in self.files}

    @property
    def digests(self) -> set[str]:
        return {hashlib.sha256(p.read_bytes()).hexdigest() for p in self.files}


def build_icuuc_forwarder(qt_core: Path, icu_wheel: Path, out: Path) -> list[Path]:
    """icuuc.dll forwarding each ICU function Qt6Core imports to the icu4py wheel's ICU DLLs.
    Returns the DLLs to put in system32 (the forwarder and the wheel's ICU DLLs)."""
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(icu_wheel) as wheel:
        members = [n for n in wheel.namelist() if n.lower().endswith(".dll")]
        dlls = []
        for name in members:
            target = out / Path(name).name
            target.write_bytes(wheel.read(name))
            dlls.append(target)
    real_uc = next((p for p in dlls if re.match(r"icuuc\d+", p.name, re.I)), None)
    if real_uc is None:
        raise HarnessError(f"{icu_wheel.name} has no icuuc DLL.")
    wanted = imports_from(qt_core, "icuuc.dll")
    if not wanted:
        raise HarnessError(f"{qt_core.name} imports nothing from icuuc.dll; is it a Qt 6 build?")
    exported = exports_of(real_uc)
    lines = [
        "; TEST HARNESS ONLY: icuuc.dll forwarding to the ICU of the icu4py wheel.",
        "LIBRARY icuuc.dll",
        "EXPORTS",
    ]
    for name in wanted:
        versioned = sorted(e for e in exported if re.fullmatch(rf"{re.escape(name)}_\d+", e))
        if not versioned:
            raise HarnessError(f"{real_uc.name} does not export {name} (as {name}_NN).")
        lines.append(f"    {name} = {real_uc.stem}.{versioned[-1]}")
    definition = out / "icuuc.def"
    definition.write_text("\n".join(lines) + "\n", encoding="ascii")
    forwarder = out / "icuuc.dll"
    _compile(
        [
            MINGW_GCC,
            "-shared",
            "-nostdlib",
            "-e",
            "DllMainCRTStartup",
            "-s",
            "-o",
            str(forwarder),
            str(HERE / "forwarder_stub.c"),
            str(definition),
        ]
    )
    log(f"built icuuc.dll forwarding {len(wanted)} functions to {real_uc.name}")
    return [forwarder, *dlls]


def build_bcryptprimitives(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    dll = out / "bcryptprimitives.dll"
    _compile(
        [
            MINGW_GCC,
            "-O2",
            "-shared",
            "-s",
            "-o",
            str(dll),
            str(HERE / "bcryptprimitives.c"),
            str(HERE / "bcryptprimitives.def"),
            "-ladvapi32",
        ]
    )
    if "ProcessPrng" not in exports_of(dll):
        raise HarnessError("The built bcryptprimitives.dll does not export ProcessPrng.")
    log("built bcryptprimitives.dll (ProcessPrng over RtlGenRandom)")
    return dll


def _compile(command: Sequence[str]) -> None:
    if shutil.which(command[0]) is None:
        raise HarnessError(
            f"{command[0]} is not installed; apt-get install gcc-mingw-w64-x86-64 provides it."
        )
    result = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HarnessError(f"{Path(command[0]).name} failed:\n{result.stderr[-3000:]}")


def install_harness_dlls(
    wine: Wine, qt_core: Path, icu_wheel: Path, build_dir: Path
) -> HarnessDlls:
    """Build the test-only DLLs and put them in the prefix's system32."""
    files = [
        *build_icuuc_forwarder(qt_core, icu_wheel, build_dir),
        build_bcryptprimitives(build_dir),
    ]
    for dll in files:
        shutil.copy2(dll, wine.system32 / dll.name)
    return HarnessDlls(tuple(files))
