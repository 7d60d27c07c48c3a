"""Two people saved the same record: the conflict view shows both and loses nothing."""

from __future__ import annotations

from models.synthetic import generate_records
from ui.conflict import ConflictDialog, differing_paths, merge


def test_merge_keeps_the_chosen_side() -> None:
    base = generate_records(1, seed=5)[0]
    mine, theirs = base.copy(), base.copy()
    mine.set("about_me.likes", "Mine: the sand tray")
    theirs.set("family.hopes", "Theirs: more stories")
    theirs.set("about_me.likes", "Theirs: painting")
    assert differing_paths(mine, theirs) == ["about_me.likes", "family.hopes"]
    merged = merge(mine, theirs, {"about_me.likes"})
    assert merged.get("about_me.likes") == "Mine: the sand tray"
    assert merged.get("family.hopes") == "Theirs: more stories"


def test_dialog_lists_differences_and_merges(qtbot) -> None:  # type: ignore[no-untyped-def]
    base = generate_records(1, seed=5)[0]
    mine, theirs = base.copy(), base.copy()
    mine.set("about_me.likes", "Mine: the sand tray")
    mine.set("summary.day_one", "Mine: show the peg")
    theirs.set("summary.day_one", "Theirs: wave at the window")
    dialog = ConflictDialog(mine, theirs)
    qtbot.addWidget(dialog)
    assert dialog.paths == ["about_me.likes", "summary.day_one"]
    assert dialog.keep_mine() == {"about_me.likes", "summary.day_one"}
    dialog.choose_theirs("summary.day_one")
    merged = dialog.merged()
    assert merged.get("about_me.likes") == "Mine: the sand tray"
    assert merged.get("summary.day_one") == "Theirs: wave at the window"
