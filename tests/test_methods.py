"""Methods as data: every shipped file follows the schema, and a facilitator's own file
with a mistake gets an error that names the line, the field and what is wrong."""

from __future__ import annotations

import re

import pytest

from server.rooms import method
from server.rooms.method import METHODS_DIR, MethodError, from_toml

REFERENCE = (METHODS_DIR / "drie-rondes.toml").read_text(encoding="utf-8")
HATS = (METHODS_DIR / "zes-denkhoeden.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("method_id", method.available())
def test_every_shipped_method_validates(method_id):
    m = method.load(method_id)
    assert m.id == method_id
    assert m.phases[0].id == "lobby" and len(m.phases) >= 4
    assert m.sources and all(len(src) > 10 for src in m.sources)
    assert m.minutes == sum(p.minutes for p in m.phases) > 0
    low, high = m.group_size
    assert 2 <= low <= high
    for p in m.phases:
        assert p.name["nl"] and p.name["en"] and p.instruction["nl"] and p.script["nl"]


#: every method the issue asks for; a file that goes missing (or one that appears unasked) fails here
SHIPPED = [
    "balintmethode",
    "drie-rondes",
    "incidentmethode",
    "kwaliteitenmethode",
    "roddelmethode",
    "socratische-methode",
    "troika",
    "vijfstappenmethode",
    "zes-denkhoeden",
]


def test_exactly_the_methods_of_the_issue_ship():
    assert method.available() == SHIPPED
    for method_id in SHIPPED:
        assert method.load(method_id).id == method_id


#: minutes the published step scripts give (shared/METHODS.md names the source of each);
#: a key with "+" is the sum of phases that together make one published step
PUBLISHED_MINUTES = {
    "incidentmethode": {
        "opening": 5, "incident": 10, "feitenvragen": 10, "beeld-helder": 2, "bespreking": 10,
        "wat-zou-jij-doen": 10, "rondje": 10, "wat-deed-je": 15, "afsluiting": 2,
    },
    "balintmethode": {"kiezen": 5 + 5, "associaties": 5, "vragen": 10},
    "socratische-methode": {
        "opening+casuskeuze": 10, "vragen": 15, "herdefinitie": 5, "adviezen": 10, "afsluiting": 10,
    },
    "troika": {"opening": 1, "uitdaging": 2, "vragen": 2, "meedenken": 5, "terugkoppeling": 2},
    "roddelmethode": {"roddelronde": 15},
    "zes-denkhoeden": {"hoeden-1": 5, "hoeden-2": 5, "hoeden-3": 5},
}  # fmt: skip


@pytest.mark.parametrize("method_id", sorted(PUBLISHED_MINUTES))
def test_minutes_follow_the_published_step_scripts(method_id):
    minutes = {p.id: p.minutes for p in method.load(method_id).phases}
    for steps, expected in PUBLISHED_MINUTES[method_id].items():
        assert sum(minutes[step] for step in steps.split("+")) == expected, steps


@pytest.mark.parametrize("method_id", SHIPPED)
def test_every_method_cites_published_sources(method_id):
    """Each file names where its steps come from: a web address or a book, not only our notes."""
    sources = method.load(method_id).sources
    assert any(re.search(r"[a-z0-9-]+\.(nl|com|org|be|uk)\b|\(\d{4}", src) for src in sources), sources
    assert not any(src.endswith("shared/METHODS.md") for src in sources)


def edited(old: str, new: str, text: str = REFERENCE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_with(text: str, fragment: str, nth: int = 1) -> int:
    """The line number of the nth line holding `fragment` (0 when there is none)."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[nth - 1] if len(hits) >= nth else 0


MISTAKES = {
    "not toml": (lambda: edited('id = "drie-rondes"', 'id = "drie-rondes'), r"not valid TOML: .*line {id_line}"),
    "unknown who": (
        lambda: edited('questions = "group"', 'questions = "groep"'),
        r"^line {groep}, phases\[3\]\.accepts\.questions: must be one of group, inbrenger, everyone \(not 'groep'\)$",
    ),
    "unknown input": (
        lambda: edited("accepts = { perspectives", 'accepts = { gedachten = "group", perspectives'),
        r"^line {assoc}, phases\[4\]\.accepts: unknown field 'gedachten'$",
    ),
    "unknown field": (
        lambda: edited("in_turn = true", "in_turn = true\nbeurten = 3"),
        r"^line {advies}, phases\[5\]: unknown field 'beurten'$",
    ),
    "missing text": (
        lambda: edited('en = "Questions round"\n', ""),
        r"^line {vragen_name}, phases\[3\]\.name: missing field 'en'$",
    ),
    "wrong type": (
        lambda: edited("minutes = 20", 'minutes = "twintig"'),
        r"^line {minutes}, phases\[3\]\.minutes: must be a whole number \(not 'twintig'\)$",
    ),
    "too long": (
        lambda: edited("minutes = 20", "minutes = 600"),
        r"^line {minutes}, phases\[3\]\.minutes: 600 must be at most 240$",
    ),
    "missing sources": (
        lambda: edited("sources = [", "bronnen = [").replace("bronnen", "sources_", 1),
        r"^\(the file\): missing field 'sources'",
    ),
    "bad id": (
        lambda: edited('id = "vragenronde"', 'id = "Vragen Ronde"'),
        r"^line {bad_id}, phases\[3\]\.id: 'Vragen Ronde' may hold only lower-case letters, digits and dashes$",
    ),
    "lobby first": (
        lambda: edited('id = "lobby"', 'id = "welkom"'),
        r"^line {welkom}, phases\[0\]\.id: the first phase must be the lobby",
    ),
    "twice": (
        lambda: edited('id = "adviesronde"', 'id = "vragenronde"'),
        r"^line {twice}, phases\[5\]\.id: the id 'vragenronde' is used twice$",
    ),
    "before the choice": (
        lambda: edited('accepts = { confirm = "everyone" }', 'accepts = { confirm = "everyone", questions = "group" }'),
        r"^line {opening}, phases\[1\]\.accepts\.questions: comes before the case is chosen",
    ),
    "listening inbrenger gives input": (
        lambda: edited('accepts = { advice = "group", response = "inbrenger" }', 'accepts = { advice = "inbrenger" }'),
        r"^line {advies_accepts}, phases\[5\]\.accepts\.advice: the inbrenger listens in this phase",
    ),
    "turns without advice": (
        lambda: edited(
            'accepts = { advice = "group", response = "inbrenger" }', 'accepts = { response = "inbrenger" }'
        ),
        r"^line {advies_turn}, phases\[5\]\.in_turn: turns are for questions, notes, perspectives or advice: "
        r"this phase accepts none of them$",
    ),
    # phase flags only where they do something
    "anonymous with nothing to be anonymous": (
        lambda: edited('accepts = { confirm = "everyone" }', 'accepts = { confirm = "everyone" }\nanonymous = true'),
        r"^line {anon_opening}, phases\[1\]\.anonymous: only questions, notes and advice can be anonymous: "
        r"this phase accepts none of them$",
    ),
    "anonymous in turn": (
        lambda: edited("in_turn = true", "in_turn = true\nanonymous = true"),
        r"^line {anon_turn}, phases\[5\]\.anonymous: a speaking order shows who speaks: "
        r"a phase in turn cannot be anonymous$",
    ),
    "hidden questions": (
        lambda: edited("anonymous = true", "anonymous = true\nhidden_until_reveal = true"),
        r"^line {hidden_q}, phases\[3\]\.hidden_until_reveal: only notes and perspectives wait for a reveal: "
        r"this phase accepts neither$",
    ),
    "hidden advice": (
        lambda: edited("in_turn = true", "in_turn = true\nhidden_until_reveal = true"),
        r"^line {hidden_a}, phases\[5\]\.hidden_until_reveal: only notes and perspectives wait for a reveal",
    ),
    "notes and perspectives revealed together": (
        lambda: edited("accepts = { perspectives", 'accepts = { notes = "group", perspectives'),
        r"^line {both}, phases\[4\]\.accepts: one reveal per phase: notes or perspectives, not both$",
    ),
    "in turn by everyone": (
        lambda: edited(
            'accepts = { questions = "group", essence = "inbrenger" }\nanonymous = true',
            'accepts = { questions = "everyone" }\nin_turn = true',
        ),
        r"^line {turn_everyone}, phases\[3\]\.accepts\.questions: given in turn, so by the group "
        r"\(the speaking order\), not by 'everyone'$",
    ),
    # role cards: decks, and the phases that deal them
    "perspectives without a deck": (
        lambda: edited('deck = "betrokkenen"\n', ""),
        r"^line {assoc_accepts}, phases\[4\]\.accepts\.perspectives: perspectives are written from a card: "
        r"name the deck",
    ),
    "unknown deck": (
        lambda: edited('deck = "betrokkenen"', 'deck = "betrokkene"'),
        r"^line {deck}, phases\[4\]\.deck: there is no deck 'betrokkene' under \[decks\]$",
    ),
    "private cards rotate": (
        lambda: edited('deck = "betrokkenen"', 'deck = "betrokkenen"\nrotate = 1'),
        r"^line {rotate}, phases\[4\]\.rotate: only public cards rotate",
    ),
    "private cards shown as written": (
        lambda: edited(
            'deck = "betrokkenen"\nhidden_until_reveal = true', 'deck = "betrokkenen"\nhidden_until_reveal = false'
        ),
        r"^line {hidden}, phases\[4\]\.hidden_until_reveal: cards dealt in private are revealed together",
    ),
    "a deck field of the wrong type": (
        lambda: edited("from_case = true", 'from_case = "ja"'),
        r"^line {from_case}, decks\.betrokkenen\.from_case: must be true or false \(not 'ja'\)$",
    ),
    "a deck with neither cards nor the case": (
        lambda: edited("from_case = true", "from_case = false"),
        r"^line {self_card}, decks\.betrokkenen\.self_card: only a deck made from the case \(from_case = true\) "
        r"has this \(and 2 more\)$",
    ),
    "a card twice": (
        lambda: edited('id = "rood"', 'id = "wit"', HATS),
        r"^line {card_twice}, decks\.hoeden\.cards\[1\]\.id: the card id 'wit' is used twice$",
    ),
    "an observer dealt in private": (
        lambda: edited("rotate = 0\nin_turn = true", 'rotate = 0\ndeal = "private"\nin_turn = true', HATS).replace(
            'deal = "public"\nrotate = 0\n', "rotate = 0\n", 1
        ),
        r"^line {private_deal}, phases\[4\]\.deal: an observer is a visible role: deal this deck in public "
        r"\(deal = \"public\"\) \(and 2 more\)$",
    ),
    "an observer flag that is not true or false": (
        lambda: edited('id = "observator"\nobserver = true\n', 'id = "observator"\nobserver = "ja"\n', HATS),
        r"^line {observer}, decks\.hoeden\.cards\[6\]\.observer: must be true or false \(not 'ja'\)$",
    ),
    "group size": (
        lambda: edited("group_size = [4, 10]", "group_size = [10, 4]"),
        r"^line {size}, group_size: the smallest group \(10\) is larger than the largest \(4\)$",
    ),
}


@pytest.mark.parametrize("kind", list(MISTAKES))
def test_each_mistake_gets_its_own_error(kind):
    make, pattern = MISTAKES[kind]
    text = make()
    lines = {
        "groep": line_with(text, 'questions = "groep"'),
        "vragen_name": line_with(text, "[phases.name]", 4),
        "assoc": line_with(text, "accepts = { gedachten"),
        "advies": line_with(text, "[[phases]]", 6),
        "advies_accepts": line_with(text, 'accepts = { advice = "inbrenger" }')
        if 'advice = "inbrenger"' in text
        else 0,
        "advies_turn": line_with(text, "in_turn = true"),
        "minutes": line_with(text, "minutes = ", 4),
        "welkom": line_with(text, 'id = "welkom"'),
        "bad_id": line_with(text, 'id = "Vragen Ronde"'),
        "twice": line_with(text, 'id = "vragenronde"', 2),
        "opening": line_with(text, "accepts = { confirm"),
        "size": line_with(text, "group_size"),
        "id_line": line_with(text, 'id = "drie-rondes'),
        "assoc_accepts": line_with(text, "accepts = { perspectives"),
        "anon_opening": line_with(text, "anonymous = true"),
        "anon_turn": line_with(text, "anonymous = true", 2),
        "hidden_q": line_with(text, "hidden_until_reveal = true"),
        "hidden_a": line_with(text, "hidden_until_reveal = true", 2),
        "both": line_with(text, 'accepts = { notes = "group", perspectives'),
        "turn_everyone": line_with(text, 'accepts = { questions = "everyone" }'),
        "deck": line_with(text, 'deck = "betrokkene"'),
        "rotate": line_with(text, "rotate = 1"),
        "hidden": line_with(text, "hidden_until_reveal = false"),
        "from_case": line_with(text, "from_case ="),
        "self_card": line_with(text, "[decks.betrokkenen.self_card]"),
        "card_twice": line_with(text, 'id = "wit"', 2),
        "private_deal": line_with(text, 'deal = "private"'),
        "observer": line_with(text, 'observer = "ja"'),
    }
    from_toml.cache_clear()
    with pytest.raises(MethodError, match=pattern.format(**lines)):
        from_toml(text)


def test_whole_numbers_written_with_a_point_reach_clients_as_integers():
    """`group_size = [4.0, 10.0]` passes the schema (JSON Schema counts 4.0 as an integer);
    clients get integers all the same, as for `minutes` (found by tests/test_wire_fuzz.py:
    the floats went out in every snapshot and `method_set`)."""
    m = from_toml(edited("minutes = 20", "minutes = 20.0", edited("group_size = [4, 10]", "group_size = [4.0, 10.0]")))
    assert m.about()["group_size"] == [4, 10] and m.phases[3].minutes == 20
    numbers = [
        *m.about()["group_size"],
        m.about()["minutes"],
        *(p.public(i)["minutes"] for i, p in enumerate(m.phases)),
    ]
    assert all(type(n) is int for n in numbers), numbers
