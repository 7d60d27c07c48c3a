"""Install the Windows installer under Wine, run what it installed, and uninstall it.

Called by ``windows_build.py`` after the installer is compiled. Everything runs in the build's
Wine prefix (a private C: drive), as a person or IT would on an office PC:

1. ``setup.exe /S /CurrentUser``: the files land in %LOCALAPPDATA%\\Programs\\Transitions,
   exactly the bundle's files (so the installer carries no harness DLL), with a Start-menu
   shortcut and an *Apps & features* entry of this version.
2. The installed ``transitions-app.exe``: ``--version``, ``selftest``.
3. The installed ``Transitions.exe`` on Qt's Windows platform plugin, in a Wine desktop under
   Xvfb: on first start it makes the demo vault in %LOCALAPPDATA%\\Transitions\\Transitions
   (platformdirs), shows the login (screenshot ``windows-login.png``), logs in as the manager
   and shows the dashboard (``windows-dashboard.png``).
4. On that vault, from the command line: list the records, export one signed-off record, verify
   the PDF, back up the vault, restore the backup into a new folder and check it.
5. ``uninstall.exe /S``: the program, shortcut and entry go; the records stay.
6. ``setup.exe /S /AllUsers``: into Program Files, the kept records still open; then
   ``uninstall.exe /S /REMOVEDATA`` (what ticking "Also remove my records" does) removes them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wine_harness.prefix import HarnessDlls, Wine, log, windows_path

APP = "Transitions"
UNINSTALL_KEY = r"Software\Microsoft\Windows\CurrentVersion\Uninstall\Transitions"
DEMO_PASSWORD = "demo-password"  # transitions_app.services.demo.DEMO_PASSWORD
PDF_PASSWORD = "wine-smoke-pdf-password"
DESKTOP_SIZE = (1366, 768)
WINDOW_TIMEOUT = 180  # first start: unpack, then make the demo vault (four key derivations)
PAINT_TIMEOUT = 30
MIN_PAINTED_COLOURS = 24  # a blank or unpainted window has one to three
# Windows puts a maximised window's resize border just off the screen (4 px under Wine, up to 8 on
# Windows 10), so the window may overhang the screen by that much and no more.
MAXIMISED_BORDER = 8


class SmokeError(Exception):
    """The installed program did not behave."""


@dataclass
class Installed:
    """The program as installed in one folder of the prefix."""

    wine: Wine
    folder: Path

    @property
    def cli(self) -> Path:
        return self.folder / "transitions-app.exe"

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = self.wine.run(
            self.cli,
            *args,
            env={"QT_QPA_PLATFORM": "offscreen", "TRANSITIONS_PASSWORD": DEMO_PASSWORD},
            check=False,
            timeout=600,
        )
        if check and result.returncode != 0:
            shown = " ".join(map(str, args))
            raise SmokeError(
                f"`transitions-app {shown}` exited {result.returncode} under Wine.\n"
                f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
            )
        return result


class Steps:
    """Logs each smoke step with the seconds it took since the previous one."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, message: str) -> None:
        now = time.monotonic()
        log(f"smoke: {message} ({now - self.last:.0f} s)")
        self.last = now


# --------------------------------------------------------------------------- install / uninstall


def install(wine: Wine, installer: Path, mode: str) -> None:
    result = wine.run(installer, "/S", f"/{mode}", check=False, timeout=600)
    wine.wait_idle()
    if result.returncode != 0:
        raise SmokeError(f"{installer.name} /S /{mode} exited {result.returncode}.")


def uninstall(wine: Wine, folder: Path, *args: str) -> None:
    uninstaller = folder / "uninstall.exe"
    if not uninstaller.is_file():
        raise SmokeError(f"There is no {uninstaller}.")
    wine.run(uninstaller, "/S", *args, check=False, timeout=300)
    # The uninstaller copies itself to %TEMP% and runs from there, so this returned at once.
    wine.wait_idle()
    deadline = time.monotonic() + 120
    while (folder / "transitions-app.exe").exists() and time.monotonic() < deadline:
        time.sleep(1)
    if (folder / "transitions-app.exe").exists() or (folder / "_internal").exists():
        raise SmokeError(f"uninstall.exe {' '.join(args)} left the program in {folder}.")


def check_installed_files(folder: Path, bundle: Path, harness: HarnessDlls) -> int:
    """The installed folder holds exactly the bundle's files and the uninstaller: what the
    installer carries, so a harness DLL in it would show here."""
    installed = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    built = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    extra = sorted(installed - built - {"uninstall.exe"})
    lacking = sorted(built - installed)
    if extra or lacking:
        raise SmokeError(
            f"The installed files differ from the bundle: extra {extra[:10]}, missing {lacking[:10]}"
        )
    names = {Path(p).name.lower() for p in installed}
    if names & harness.names:
        raise SmokeError(f"The installer installed harness DLLs: {sorted(names & harness.names)}")
    return len(installed)


def check_registration(wine: Wine, hive: str, version: str, folder: Path) -> None:
    key = rf"{hive}\{UNINSTALL_KEY}"
    shown = wine.reg_query(key, "DisplayVersion")
    if shown != version:
        raise SmokeError(f"Apps & features ({hive}) shows version {shown!r}, not {version}.")
    location = wine.reg_query(key, "InstallLocation")
    if location is None or wine.linux_path(location) != folder.resolve():
        raise SmokeError(f"Apps & features ({hive}) says it is installed in {location!r}.")


def check_unregistered(wine: Wine, hive: str) -> None:
    if wine.reg_query(rf"{hive}\{UNINSTALL_KEY}", "DisplayVersion") is not None:
        raise SmokeError(f"The uninstaller left the Apps & features entry in {hive}.")


# --------------------------------------------------------------------------- the window


class Display:
    """An Xvfb screen of our own for the window (a display number Xvfb picks itself)."""

    def __init__(self, size: tuple[int, int]) -> None:
        if shutil.which("Xvfb") is None:
            raise SmokeError("Xvfb is not installed (apt-get install xvfb).")
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                f"{size[0]}x{size[1]}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as fh:
            number = fh.readline().strip()
        if not number:
            self.process.kill()
            raise SmokeError("Xvfb did not start.")
        self.name = f":{number}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def xdotool(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["xdotool", *args], env=self.env(), capture_output=True, text=True, check=check
        )

    def wait_for_window(self, title: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.xdotool("search", "--name", title).stdout.split()
            if found:
                return found[-1]
            time.sleep(1)
        raise SmokeError(f"No window titled “{title}” appeared in {timeout:.0f} s.")

    def window_area(self, window: str) -> tuple[int, int, int, int]:
        """The window's left, top, right and bottom on the screen (xwininfo's absolute position:
        xdotool adds the parent's offset twice for the windows of a Wine desktop)."""
        shown = subprocess.run(
            ["xwininfo", "-id", window], env=self.env(), capture_output=True, text=True, check=True
        ).stdout
        values = {
            key: int(found)
            for key, found in re.findall(
                r"^\s*(Absolute upper-left X|Absolute upper-left Y|Width|Height):\s*(-?\d+)",
                shown,
                re.MULTILINE,
            )
        }
        left, top = values["Absolute upper-left X"], values["Absolute upper-left Y"]
        return left, top, left + values["Width"], top + values["Height"]

    def screenshot(self, out: Path, window: str) -> str:
        """Save the whole screen as PNG, once the window has painted: a window that has not (or
        paints nothing readable) is a few flat colours, while text is anti-aliased. The window
        must lie on the screen. Says where it is."""
        from PIL import ImageGrab  # Pillow is an app dependency; its wheels read X11 with XCB

        deadline = time.monotonic() + PAINT_TIMEOUT
        while True:
            image = ImageGrab.grab(xdisplay=self.name)
            area = self.window_area(window)
            colours = image.crop(area).getcolors(maxcolors=1 << 24) or []
            if len(colours) >= MIN_PAINTED_COLOURS:
                break
            if time.monotonic() > deadline:
                raise SmokeError(
                    f"The window behind {out.name} shows only {len(colours)} colours after "
                    f"{PAINT_TIMEOUT} s: it did not paint."
                )
            time.sleep(1)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out)
        left, top, right, bottom = area
        placed = f"{right - left}x{bottom - top} at ({left}, {top})"
        edge = MAXIMISED_BORDER
        if (
            left < -edge
            or top < -edge
            or right > image.width + edge
            or bottom > image.height + edge
        ):
            raise SmokeError(
                f"The window in {out.name} ({placed}) lies partly outside the "
                f"{image.width}x{image.height} screen."
            )
        return f"{placed}, {len(colours)} colours"

    def close(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def window_screenshots(wine: Wine, folder: Path, shots: Path) -> list[str]:
    """Start Transitions.exe on the Windows platform plugin in a Wine desktop, log in to the demo
    vault it makes, and save the login and the dashboard."""
    if shutil.which("xdotool") is None or shutil.which("xwininfo") is None:
        raise SmokeError(
            "xdotool and xwininfo are needed to find and type into the window "
            "(apt-get install xdotool x11-utils)."
        )
    display = Display(DESKTOP_SIZE)
    saved: list[str] = []
    try:
        width, height = DESKTOP_SIZE
        gui = wine.start(
            "explorer",
            f"/desktop={APP},{width}x{height}",
            windows_path(folder / "Transitions.exe"),
            env={"DISPLAY": display.name, "QT_QPA_PLATFORM": "windows"},
        )
        try:
            login = display.wait_for_window("Log in to Transitions", WINDOW_TIMEOUT)
            where = display.screenshot(shots / "windows-login.png", login)
            saved.append(f"{shots / 'windows-login.png'}: the login, {where}")
            # Through the labels' shortcuts, as a person at the keyboard would: the login
            # remembers the last user name and then starts in the password field.
            display.xdotool("windowfocus", login)
            for shortcut, text in (("alt+u", "manager"), ("alt+p", DEMO_PASSWORD)):
                display.xdotool("key", shortcut, "ctrl+a")
                display.xdotool("type", "--delay", "40", text)
            display.xdotool("key", "Return")
            main = display.wait_for_window("manager, Manager", WINDOW_TIMEOUT)
            time.sleep(3)  # the table fills in after the window paints its frame
            where = display.screenshot(shots / "windows-dashboard.png", main)
            saved.append(f"{shots / 'windows-dashboard.png'}: the dashboard, {where}")
            display.xdotool("windowfocus", main)
            display.xdotool("key", "ctrl+q")
            try:
                gui.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise SmokeError("Transitions.exe did not quit on Ctrl+Q.") from None
        finally:
            if gui.poll() is None:
                gui.kill()
            wine.stop()  # the desktop's explorer.exe
    finally:
        display.close()
    return saved


# --------------------------------------------------------------------------- the command line


def record_round_trip(app: Installed, vault: Path, scratch: Path, done: Steps) -> None:
    """On the demo vault in the default place: export, verify, back up, restore, check."""
    listing = json.loads(app.run("records", "list", "--json").stdout)
    signed = [r for r in listing["records"] if r["status"] == "signed_off"]
    if not signed:
        raise SmokeError("The demo vault has no signed-off record to export.")
    done(f"records list (default vault): {len(listing['records'])} records")
    secret = scratch / "pdf-password.txt"
    secret.write_text(PDF_PASSWORD, encoding="utf-8")
    pdfs: list[Path] = []
    for record in signed:
        out = scratch / f"export-{record['id'][:8]}"
        result = app.run(
            "export",
            "--user",
            "manager",
            "--record",
            record["id"],
            "--out",
            windows_path(out),
            "--encrypt-password-file",
            windows_path(secret),
            check=False,
        )
        pdfs = sorted(out.glob("*.pdf")) if result.returncode == 0 else []
        if pdfs:
            break
    if not pdfs:
        raise SmokeError("export exported none of the signed-off demo records.")
    done(f"export: {pdfs[0].name}")
    # --vault: trust the LA root and revocation list of the vault's charter.
    verdict = app.run(
        "verify",
        "--vault",
        windows_path(vault),
        "--password-file",
        windows_path(secret),
        *map(windows_path, pdfs),
    )
    if "VALID" not in verdict.stdout:
        raise SmokeError(f"verify did not find the exported PDF valid:\n{verdict.stdout}")
    done("verify: valid")
    backup = scratch / "vault.backup"
    app.run("vault", "backup", "--user", "manager", "--out", windows_path(backup))
    if not backup.is_file() or backup.stat().st_size == 0:
        raise SmokeError("vault backup wrote no backup file.")
    restored = scratch / "restored"
    app.run(
        "vault",
        "restore",
        windows_path(backup),
        "--vault",
        windows_path(restored),
        "--user",
        "manager",
    )
    app.run("vault", "check", "--vault", windows_path(restored), "--user", "manager")
    again = json.loads(
        app.run("records", "list", "--vault", windows_path(restored), "--json").stdout
    )
    if len(again["records"]) != len(listing["records"]):
        raise SmokeError("The restored vault does not hold the same records.")
    done(f"backup, restore into a new folder, vault check: {len(again['records'])} records")


# --------------------------------------------------------------------------- the whole run


def run(
    wine: Wine,
    installer: Path,
    bundle: Path,
    version: str,
    harness: HarnessDlls,
    python: Path,
    shots: Path,
) -> None:
    del python  # the installed program runs on its own bundled Python
    _step = Steps()
    local = wine.user_folder("LOCALAPPDATA")
    appdata = wine.user_folder("APPDATA")
    records = local / "Transitions" / "Transitions"  # platformdirs.user_data_dir
    vault = records / "vault"
    scratch = Path(tempfile.mkdtemp(prefix="smoke-", dir=wine.prefix / "drive_c"))

    # 1. per user, silently
    install(wine, installer, "CurrentUser")
    folder = local / "Programs" / APP
    count = check_installed_files(folder, bundle, harness)
    _step(
        f"/S /CurrentUser installed {count} files in %LOCALAPPDATA%\\Programs\\{APP}, "
        "exactly the bundle and the uninstaller"
    )
    shortcut = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / f"{APP}.lnk"
    if not shortcut.is_file():
        raise SmokeError(f"No Start-menu shortcut at {shortcut}.")
    check_registration(wine, "HKCU", version, folder)
    _step("Start-menu shortcut and Apps & features entry (HKCU) of this version")

    # 2. the command line
    app = Installed(wine, folder)
    said = app.run("--version").stdout.strip()
    if said != f"transitions-app {version}":
        raise SmokeError(f"The installed program says “{said}”.")
    _step(f"--version: {said}")
    app.run("selftest")
    _step("selftest passed")

    # 3. the window, on the Windows platform plugin
    if records.exists():
        raise SmokeError(f"{records} exists before the first start: the prefix is not new.")
    for shot in window_screenshots(wine, folder, shots):
        _step(f"screenshot {shot}")
    if not (vault / "vault.db").is_file():
        raise SmokeError(f"The window made no demo vault in {vault} (%LOCALAPPDATA%).")
    _step(
        "the window made the demo vault in %LOCALAPPDATA%\\Transitions\\Transitions (platformdirs)"
    )

    # 4. export, verify, backup, restore
    record_round_trip(app, vault, scratch, _step)

    # 5. uninstall, keeping the records
    uninstall(wine, folder, "/CurrentUser")
    if shortcut.exists():
        raise SmokeError("The uninstaller left the Start-menu shortcut.")
    check_unregistered(wine, "HKCU")
    if not (vault / "vault.db").is_file():
        raise SmokeError("Uninstalling removed the records; it must keep them.")
    _step("uninstall.exe /S: program, shortcut and entry removed, the records kept")

    # 6. for all users; the kept records open; uninstall removing them
    install(wine, installer, "AllUsers")
    program_files = wine.linux_path(r"C:\Program Files") / APP
    check_installed_files(program_files, bundle, harness)
    check_registration(wine, "HKLM", version, program_files)
    everyone = Installed(wine, program_files)
    kept = json.loads(everyone.run("records", "list", "--json").stdout)
    _step(
        f"/S /AllUsers installed in Program Files (HKLM entry); it opens the kept vault "
        f"({len(kept['records'])} records)"
    )
    uninstall(wine, program_files, "/AllUsers", "/REMOVEDATA")
    check_unregistered(wine, "HKLM")
    if records.exists():
        raise SmokeError(f"uninstall /REMOVEDATA left the records in {records}.")
    _step("uninstall.exe /S /REMOVEDATA (“Also remove my records”): program and records removed")
    shutil.rmtree(scratch, ignore_errors=True)
