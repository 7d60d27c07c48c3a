"""The checks of the Wine build (installer/windows_build.py, installer/wine_smoke.py), attacked
without Wine: a test-only harness DLL smuggled into a bundle or an install, under its own name or
renamed, is found; the NSIS script makes the 64-bit installer Wine runs and, by default, the
32-bit one the official Windows NSIS makes.

The Wine run itself (build, install, smoke test, screenshots) is `.ci/run`'s Wine step.
"""

from __future__ import annotations

import importlib
import shutil
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


# windows_build.py and wine_smoke.py import the harness as `wine_harness`, from installer/.
sys.path.insert(0, str(INSTALLER))
windows_build = importlib.import_module("windows_build")
wine_smoke = importlib.import_module("wine_smoke")
prefix = importlib.import_module("wine_harness.prefix")


def _harness(tmp_path: Path) -> object:
    """Two stand-in 'harness DLLs' with distinct bytes, as install_harness_dlls records them."""
    folder = tmp_path / "harness"
    folder.mkdir()
    icuuc = folder / "icuuc.dll"
    icuuc.write_bytes(b"MZ fictional forwarder " + bytes(range(256)))
    prng = folder / "bcryptprimitives.dll"
    prng.write_bytes(b"MZ fictional ProcessPrng " + bytes(range(255, -1, -1)))
    return prefix.HarnessDlls((icuuc, prng))


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    (bundle / "transitions-app.exe").write_bytes(b"MZ the app")
    (bundle / "_internal" / "PySide6" / "Qt6Core.dll").write_bytes(b"MZ qt core")
    return bundle


def test_a_clean_bundle_has_no_harness_dll(tmp_path: Path) -> None:
    harness = _harness(tmp_path)
    assert windows_build.harness_files_in(_bundle(tmp_path), harness) == []


def test_a_harness_dll_under_its_own_name_is_found_whatever_the_case(tmp_path: Path) -> None:
    harness = _harness(tmp_path)
    bundle = _bundle(tmp_path)
    (bundle / "_internal" / "ICUUC.DLL").write_bytes(b"different bytes, same name")
    assert windows_build.harness_files_in(bundle, harness) == ["_internal/ICUUC.DLL"]


def test_a_renamed_copy_of_a_harness_dll_is_found_by_its_bytes(tmp_path: Path) -> None:
    harness = _harness(tmp_path)
    bundle = _bundle(tmp_path)
    shutil.copy(tmp_path / "harness" / "bcryptprimitives.dll", bundle / "_internal" / "rng.pyd")
    found = windows_build.harness_files_in(bundle, harness)
    assert found == ["_internal/rng.pyd (same bytes as a harness DLL)"]


def test_the_installed_files_must_be_exactly_the_bundle(tmp_path: Path) -> None:
    harness = _harness(tmp_path)
    bundle = _bundle(tmp_path)
    installed = tmp_path / "Programs" / "Transitions"
    shutil.copytree(bundle, installed)
    (installed / "uninstall.exe").write_bytes(b"MZ uninstaller")
    assert wine_smoke.check_installed_files(installed, bundle, harness) == 3

    (installed / "_internal" / "bcryptprimitives.dll").write_bytes(b"slipped in")
    with pytest.raises(wine_smoke.SmokeError, match="extra.*bcryptprimitives.dll"):
        wine_smoke.check_installed_files(installed, bundle, harness)
    (installed / "_internal" / "bcryptprimitives.dll").unlink()

    (installed / "_internal" / "PySide6" / "Qt6Core.dll").unlink()
    with pytest.raises(wine_smoke.SmokeError, match="missing.*Qt6Core.dll"):
        wine_smoke.check_installed_files(installed, bundle, harness)


def test_nothing_installed_is_not_a_match(tmp_path: Path) -> None:
    """An installer that silently installs nothing (as a 32-bit one under wine64 does) fails."""
    bundle = _bundle(tmp_path)
    with pytest.raises(wine_smoke.SmokeError, match="missing"):
        wine_smoke.check_installed_files(tmp_path / "nowhere", bundle, _harness(tmp_path))


def _pe_machine(exe: Path) -> int:
    data = exe.read_bytes()
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    assert data[pe_offset : pe_offset + 4] == b"PE\0\0"
    (machine,) = struct.unpack_from("<H", data, pe_offset + 4)
    return int(machine)


@pytest.mark.skipif(shutil.which("makensis") is None, reason="needs NSIS (apt-get install nsis)")
def test_the_wine_build_installer_is_64_bit_and_the_default_32_bit(tmp_path: Path) -> None:
    """wine64 runs no 32-bit program, so the Wine build asks NSIS for its amd64 stub; without
    TARGET the script builds with the x86 stub the official Windows NSIS ships."""
    version = windows_build.build.project_version()
    bundle = tmp_path / "transitions"
    (bundle / "_internal" / f"transitions_app-{version}.dist-info").mkdir(parents=True)
    (bundle / "transitions-app.exe").write_bytes(b"MZ fictional")
    (bundle / "Transitions.exe").write_bytes(b"MZ fictional")
    machines = {}
    for target in (windows_build.NSIS_TARGET, None):
        dist = tmp_path / f"dist-{target}"
        dist.mkdir()
        out = windows_build.build.compile_nsis(
            bundle,
            dist,
            version,
            install=False,
            windows_bundle=True,
            compression="zlib",
            target=target,
        )
        machines[target] = _pe_machine(out)
    assert machines == {windows_build.NSIS_TARGET: 0x8664, None: 0x14C}  # x86-64, i386
