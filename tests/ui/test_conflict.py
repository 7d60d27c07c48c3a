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


def test_editor_resolves_a_real_conflict(qtbot, vault_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import PASSWORD, TODAY, CheapVaultAccess
    from ui.conflict import ConflictDialog
    from ui.editor import RecordEditor

    here = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    there = CheapVaultAccess.open(vault_dir, "kim", PASSWORD)
    try:
        record = here.new_record()
        record.set("about_me.likes", "Blocks")
        record = here.save(record)
        other = there.load(record.id)
        editor = RecordEditor(here, here.load(record.id), today=lambda: TODAY)
        qtbot.addWidget(editor)
        other.set("about_me.likes", "Theirs: puzzles")
        other.set("family.hopes", "Theirs: friends")
        there.save(other)

        def choose(dialog: ConflictDialog) -> int:
            assert dialog.paths == ["about_me.likes", "family.hopes"]
            # defaults: this person's own change, the other person's change elsewhere
            assert dialog.keep_mine() == {"about_me.likes"}
            return 1

        monkeypatch.setattr(ConflictDialog, "exec", choose)
        editor.apply_value("about_me.likes", "Mine: water play")
        assert editor.flush() is True
        stored = there.load(record.id)
        assert stored.get("about_me.likes") == "Mine: water play"
        assert stored.get("family.hopes") == "Theirs: friends"
    finally:
        here.close()
        there.close()
