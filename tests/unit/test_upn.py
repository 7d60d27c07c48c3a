import pytest

from models.upn import check_letter, check_upn


@pytest.mark.parametrize(
    "upn",
    [
        # Census error 1510 worked example: the digits 207000016049 weigh 266; 266 mod 23 = 13 = P.
        # (The published walk-through adds to 267 and names Q; its own letter table gives P for 13.)
        "P207000016049",
        "B801200005001",  # worked example from the UPN data standard
    ],
)
def test_worked_examples_are_valid(upn: str) -> None:
    result = check_upn(upn)
    assert result.valid, result.message
    assert not result.temporary


def test_wrong_check_letter_names_the_right_one() -> None:
    result = check_upn("B207000016049")
    assert not result.valid
    assert "should be P" in result.message


def test_worked_example_sum() -> None:
    # (2x2)+(4x7)+(9x1)+(10x6)+(12x4)+(13x9) = 266; 266 mod 23 = 13 -> P (A=0 ... N=12, P=13)
    assert check_letter("207000016049") == "P"
    # 801200005001: 16+4+10+50+13 = 93; 93 mod 23 = 1 -> B
    assert check_letter("801200005001") == "B"


def test_temporary_upn() -> None:
    body = "80120000500A"
    upn = check_letter(body) + body
    result = check_upn(upn)
    assert result.valid
    assert result.temporary


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "13 characters"),
        ("Q20700001604", "13 characters"),
        ("120700001604 9", "check letter"),
        ("Q2070000X6049", "digits"),
        ("I207000016049", "check letter"),
        ("B80120000500S", "temporary"),
        ("B80120000500I", "temporary"),
    ],
)
def test_bad_upns(text: str, fragment: str) -> None:
    result = check_upn(text)
    assert not result.valid
    assert fragment in result.message


def test_spaces_and_lower_case_are_tolerated() -> None:
    assert check_upn(" p207 0000 16049 ").valid
