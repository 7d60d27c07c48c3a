#!/bin/sh
# Add (or remove) the Transitions menu entry for the folder this script sits in.
#
#   sudo ./install.sh            menu entry for every user, and transitions-app on PATH
#   ./install.sh --user          menu entry for you only (no root needed)
#   [sudo] ./install.sh --remove [--user]   take the menu entry (and PATH link) away again
#
# The app folder itself stays where you extracted it; delete it to uninstall. Records live in
# ~/.local/share/Transitions/ for each user and are never touched by this script.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MODE=system
ACTION=install
for arg in "$@"; do
    case "$arg" in
        --user) MODE=user ;;
        --remove) ACTION=remove ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$MODE" = user ]; then
    APPS="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
    BIN=""
else
    if [ "$(id -u)" -ne 0 ]; then
        echo "install.sh: run with sudo for every user, or pass --user for yourself only." >&2
        exit 2
    fi
    APPS=/usr/share/applications
    BIN=/usr/local/bin/transitions-app
fi
ENTRY="$APPS/transitions.desktop"

if [ "$ACTION" = remove ]; then
    rm -f "$ENTRY"
    if [ -n "$BIN" ] && [ -L "$BIN" ]; then rm -f "$BIN"; fi
    echo "Removed the Transitions menu entry. Delete $HERE to remove the app."
    exit 0
fi

mkdir -p "$APPS"
sed -e "s|^Exec=.*|Exec=\"$HERE/transitions-app\"|" \
    -e "s|^Icon=.*|Icon=$HERE/icons/transitions.png|" \
    "$HERE/transitions.desktop" > "$ENTRY"
chmod 644 "$ENTRY"
if [ -n "$BIN" ]; then ln -sf "$HERE/transitions-app" "$BIN"; fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$APPS" >/dev/null 2>&1 || true
fi
echo "Installed the Transitions menu entry ($ENTRY)."
