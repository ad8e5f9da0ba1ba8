"""The default answerer: the lines of the evidence that answer, quoted and cited; no LLM, nothing invented.

Lines are chosen by their evidence score (meaning similarity and weighted term overlap together,
plus bands and figures), one at least for each part of a two-part question. A question about one
end of a range ("the ceiling", "starting pay") opens with that end, quoted from the line that states
it. Figures stay as written, with at most the LPA reading of an Indian-notation amount added
("₹15,00,000 – ₹25,00,000 per annum (15–25 LPA)"). Citations are numbered from 1 in order of first
use; only cited passages are listed. A part the documents don't cover is named in a last sentence.
Leaves out: retrieval, the evidence, the decision, refusals (refusals.py) and LLM answers (generation.py).
"""

from __future__ import annotations

import re

from .evidence import Evidence, Unit, unit_spans
from .figures import extract_figures, lpa_reading
from .lexicon import FOCUS_HIGH, FOCUS_LOW, SLOTS
from .query import content_terms
from .refusals import echoable, gives_orders, join_or
from .retrieval import Hit
from .schema import Citation
from .text import name_like, stem, tokens

MAX_UNITS = 4
MAX_OVERVIEW = 6
KEEP_RATIO = 0.80  # a line joins the answer when it scores this close to the best one
_SLOT_WORDS = frozenset(w for words in SLOTS.values() for w in words)
_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")


def extractive_answer(ev: Evidence, decision=None, section_passages=None) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations, built only from passage text.

    `section_passages(section)` lists every visible passage of a section, so a question about a
    whole section ("What skills do employers want?") can list all of its items.
    """
    if not ev.units:
        return "", []
    overview = _overview(ev, section_passages)
    if overview:  # a whole section, in the order the document gives it
        return _compose(overview, ev)
    chosen = _select(ev)
    extreme = _table_extreme(ev, _row_of_kind_asked(ev, chosen), section_passages)
    if extreme is not None:  # "which city pays the most?" over a table: the row with the top value first
        chosen = [extreme[0]] + [u for u in chosen if (u.hit.passage.id, u.start) != (extreme[0].hit.passage.id, extreme[0].start)]
    best_of: dict[str, float] = {}
    for u in chosen:
        best_of[u.hit.passage.id] = max(best_of.get(u.hit.passage.id, 0.0), u.score)
    if extreme is not None:
        best_of[extreme[0].hit.passage.id] = float("inf")  # the row that answers comes first
    led = _led_by(chosen)  # a list's items stay after their lead-in
    if len(ev.facets) > 1:  # parts in the order the question asks them
        chosen.sort(key=lambda u: (_facet_of(led.get(id(u), u), ev), u.hit.passage.start, led.get(id(u), u).start, u.start))
    else:  # passages in order of their best line, lines in reading order: [1] answers best
        chosen.sort(key=lambda u: (-best_of[u.hit.passage.id], u.start))
    text, citations = _compose(chosen, ev, *(extreme[::-1] if extreme else ()))
    missing = (decision.missing if decision is not None and decision.partial else []) + _uncovered_parts(ev, chosen)
    missing = [m for m in dict.fromkeys(missing) if echoable(m)] if not gives_orders(ev.query.question) else []
    if missing and text:
        text += f"\nThe documents don't mention {join_or(missing)}."
    return text, citations


def _select(ev: Evidence) -> list[Unit]:
    """The best line, lines close to it, the best line of each part, and lines adding a part not yet held."""
    units = [u for u in ev.units if u.band >= 0] or ev.units
    ranked = sorted(units, key=lambda u: -u.score)
    best = ranked[0]
    chosen = [best]
    for f in range(1, len(ev.facets)):  # each part of the question gets its own best line
        part_best = max((u for u in units if u not in chosen), key=lambda u: u.facet_scores[f], default=chosen[0])
        if chosen[0].facet_scores[f] >= part_best.facet_scores[f]:
            continue  # the best line already answers this part
        if part_best not in chosen and _facet_covered(ev, f, part_best):
            chosen.append(part_best)
    chosen += _continuation(best, ev.units, chosen)
    covered = set().union(*(u.matched for u in chosen))
    weights = [t.weight for t in ev.terms]
    total = sum(weights) or 1.0
    for u in ranked[1:]:
        if len(chosen) >= MAX_UNITS:
            break
        if u in chosen or u.rank >= 4:
            continue
        near_tie = u.score >= KEEP_RATIO * best.score and u.rank < 3 and (u.band > 0 or best.band <= 0)
        gain = sum(weights[i] for i in u.matched - covered)
        if near_tie or (gain >= 0.25 * total and u.score >= 0.7 * best.score):
            chosen.append(u)
            covered |= u.matched
    for lead in [u for u in chosen[1:] if u.text.rstrip().endswith(":")]:  # a lead-in is quoted with its items
        items = _continuation(lead, ev.units, chosen)
        chosen[chosen.index(lead) + 1:chosen.index(lead) + 1] = items
    return chosen


def _led_by(chosen: list[Unit]) -> dict[int, Unit]:
    """The lead-in ("…the most requested skills were:") each chosen list item follows in its passage."""
    led = {}
    for lead in chosen:
        if lead.text.rstrip().endswith(":"):
            for u in chosen:
                if u.hit.passage.id == lead.hit.passage.id and u.start > lead.start and _LIST_MARK.match(u.text):
                    led.setdefault(id(u), lead)
    return led


def _continuation(best: Unit, units: list[Unit], chosen: list[Unit]) -> list[Unit]:
    """What completes the best line: the items after a lead-in ("a typical week looks like this:"),
    or the next sentence when the best line has no figure and the next one says something more."""
    same = sorted((u for u in units if u.hit is best.hit and u.start > best.start), key=lambda u: u.start)
    if not same:
        return []
    if best.text.rstrip().endswith(":") or (not best.is_item and same[0].is_item and _LIST_MARK.match(same[0].text)):
        items = []
        for u in same:
            if not _LIST_MARK.match(u.text) or len(items) >= MAX_OVERVIEW - 1:
                break
            items.append(u)
        return [u for u in items if u not in chosen]
    nxt = same[0]
    if best.is_item or nxt.is_item or nxt in chosen or any(f.kind == "money" for f in extract_figures(best.text)):
        return []
    short = len(best.text) < 100  # a short line ("…you must demonstrate engineering rigor.") leads into the next
    return [nxt] if len(best.text) < 160 and (short or nxt.score >= 0.6 * best.score) else []


def _facet_covered(ev: Evidence, f: int, unit: Unit) -> bool:
    """Does `unit` answer part `f`: it names the part's place or employer, else it scores well for it."""
    from .names import mentions

    names = [name for kind, name, _ in ev.facets[f].names if kind != "role"]
    if names:
        return any(mentions(n, unit.text) or mentions(n, unit.hit.passage.section) for n in names)
    return unit.facet_scores[f] >= 0.45


def _facet_of(unit: Unit, ev: Evidence) -> int:
    scores = unit.facet_scores[1:]
    return max(range(len(scores)), key=lambda i: scores[i]) if scores else 0


def _uncovered_parts(ev: Evidence, chosen: list[Unit]) -> list[str]:
    """Named things of a part that no chosen line or its passage names."""
    from .names import mentions

    out = []
    for f in range(1, len(ev.facets)):
        for kind, name, written in ev.facets[f].names:
            if kind == "role" or written in ev.missing_names:
                continue
            if not any(mentions(name, u.text) or mentions(name, u.hit.passage.section) for u in chosen):
                if not any(mentions(name, u.hit.passage.text) for u in ev.units):
                    out.append(written)
    return out


def _overview(ev: Evidence, section_passages) -> list[Unit] | None:
    """Every item of a section when the question is about the section as a whole, else None."""
    query = ev.query
    if query.years is not None or query.money or _SLOT_WORDS & set(tokens(query.focus or query.text)) or len(ev.facets) > 1:
        return None  # the question pins one band, level or city, or has parts: not the section as a whole
    best = max(ev.units, key=lambda u: u.score)
    passage = best.hit.passage
    heading_stems = {stem(t) for t in tokens(passage.section)}
    weights = {t.word: t.weight for t in ev.terms}
    total = sum(weights.values()) or 1.0
    in_heading = sum(t.weight for t in ev.terms if t.stems & heading_stems) / total
    heading = set(tokens(passage.heading))
    names_heading = len(heading) >= 2 and heading <= set(tokens(query.text))  # "where are the ML jobs?"
    if not passage.section or (in_heading < 0.6 and not names_heading):
        return None
    section = passage.section
    extra = [Hit(p, 0.0, None, None) for p in (section_passages(section) if section_passages else [])]
    known = {h.passage.id for h in ev.hits}
    pool = ev.hits + [h for h in extra if h.passage.id not in known]
    units = [Unit(h, 9, s, e, 0.0, 0.0, frozenset()) for h in pool for s, e in unit_spans(h.passage.text, h.passage.heading)]
    items = [u for u in units if u.hit.passage.section == section and _LIST_MARK.match(u.text)]
    if len(items) < 3:  # no list: the section's lead-in and the opening line of each sub-section
        firsts: dict[str, Unit] = {}
        for u in sorted(units, key=lambda u: (u.hit.passage.start, u.start)):
            if u.hit.passage.section.startswith(section + " > "):
                firsts.setdefault(u.hit.passage.section, u)
        if len(firsts) < 2:
            return None
        lead = [u for u in units if u.hit.passage.section == section and u.text.rstrip().endswith(":")][:1]
        items = lead + list(firsts.values())
    items.sort(key=lambda u: (u.hit.passage.start, u.start))
    seen, unique = set(), []
    for u in items:
        if (u.hit.passage.id, u.start) not in seen:
            seen.add((u.hit.passage.id, u.start))
            unique.append(u)
    return unique[:MAX_OVERVIEW]


def _compose(chosen: list[Unit], ev: Evidence, lead: str = "", lead_unit: Unit | None = None) -> tuple[str, list[Citation]]:
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    lines = []
    for unit in chosen:
        passage = unit.hit.passage
        if passage.id not in numbers:
            numbers[passage.id] = len(numbers) + 1
            citations.append(
                Citation(
                    number=numbers[passage.id], source=passage.source, section=passage.section, text=passage.text,
                    score=round(unit.hit.dense if unit.hit.dense is not None else unit.hit.score, 4),
                    page=passage.page, start=passage.start, end=passage.end, passage_id=passage.id,
                )
            )
        citations[numbers[passage.id] - 1].quotes.append(unit.text.strip())
        lines.append(_render(unit, numbers[passage.id]))
    if lead:  # the row it was read from is cited, wherever its passage comes in the answer
        lead = f"{lead} [{numbers[lead_unit.hit.passage.id]}]."
    else:
        lead = _focus_lead(ev, chosen, numbers) or _cell_lead(ev, chosen, numbers)
    if lines and chosen[0].text.rstrip().endswith(":") and len(lines) > 1:  # a lead-in, then its items
        return lines[0] + "\n" + "\n".join(f"- {line}" for line in lines[1:]), citations
    followed = [i + 1 < len(chosen) and chosen[i + 1].hit.passage.id == u.hit.passage.id and bool(_LIST_MARK.match(chosen[i + 1].text))
                for i, u in enumerate(chosen)]
    lines = [line[:-1] + "." if line.endswith("]:") and not followed[i] else line for i, line in enumerate(lines)]  # a lead-in with nothing after it
    as_list = sum(1 for u in chosen if u.is_item) >= 2
    body = "\n".join(f"- {line}" for line in lines) if as_list else " ".join(lines)
    return (f"{lead}\n{body}" if lead else body), citations


def _focus_lead(ev: Evidence, chosen: list[Unit], numbers: dict[str, int]) -> str:
    """"The top of the range: ₹60,00,000+ per annum (60 LPA) [1]." when the question asks for one end."""
    words = set(tokens(ev.query.focus or ev.query.text))
    high, low = bool(words & FOCUS_HIGH), bool(words & FOCUS_LOW)
    if high == low or not ev.salary or words & {"which", "where", "who", "kaun", "kaunsa", "kaunsi", "kahan"}:
        return ""  # "which city pays the most?" asks for a name, not for one end of a range
    for unit in chosen[:1]:
        money = [f for f in extract_figures(unit.text) if f.kind == "money"]
        if not money or " | " in unit.text or not any(f.high > f.low for f in money):
            continue  # one end of a stated range; a table row's cells are no range
        fig = max(money, key=lambda f: f.high) if high else min(money, key=lambda f: f.low)
        raw = fig.raw.strip()
        if fig.high > fig.low:  # a range: quote the end asked for as written
            ends = re.split(r"\s*(?:–|—|-|to)\s*", raw, maxsplit=1)
            raw = ends[-1] if high and len(ends) == 2 else ends[0]
        end = "top" if high else "bottom"
        return f"At the {end} of the range: {raw} [{numbers[unit.hit.passage.id]}]."
    return ""


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _cells(row: str) -> list[tuple[str, str]]:
    """("City", "Pune"), ("0–2 years", "9.4 LPA"), … of a table row line."""
    out = []
    for cell in _LIST_MARK.sub("", row).split(" | "):
        header, sep, value = cell.partition(": ")
        out.append((header.strip(), value.strip()) if sep else ("", cell.strip()))
    return out


def _row_of_kind_asked(ev: Evidence, chosen: list[Unit]) -> Unit:
    """The chosen table row whose rows are of the kind the question asks for ("which skill…?" over a
    table whose first column is Skill), else the best line."""
    words = {stem(w) for w in tokens(ev.query.focus or ev.query.text)}
    for unit in chosen:
        if " | " in unit.text and {stem(w) for w in tokens(_cells(unit.text)[0][0])} & words:
            return unit
    return chosen[0]


def _table_extreme(ev: Evidence, best: Unit, section_passages) -> tuple[Unit, str] | None:
    """For "which … the highest / lowest …?" over a table: the row with the extreme value in the
    column asked (the years band asked, else the header sharing the question's words), and a lead."""
    words = set(tokens(ev.query.focus or ev.query.text))
    high, low = bool(words & FOCUS_HIGH), bool(words & FOCUS_LOW)
    if high == low or " | " not in best.text or section_passages is None:
        return None
    headers = [h for h, _ in _cells(best.text)]
    asks_which = words & {"which", "where", "who", "kaun", "kaunsa", "kaunsi"} or set(tokens(headers[0])) & words
    if not asks_which:
        return None  # "the top of the band for X" is one row's range, not the row with the top value
    rows = []
    for passage in section_passages(best.hit.passage.section):
        hit = Hit(passage, 0.0, None, None)
        for s, e in unit_spans(passage.text, passage.heading):
            line = passage.text[s:e]
            if " | " in line and [h for h, _ in _cells(line)] == headers:
                rows.append(Unit(hit, 9, s, e, 0.0, 0.0, frozenset()))
    if len(rows) < 2:
        return None
    column = _column(ev, headers)
    if column is None:
        return None

    def value(unit: Unit) -> float | None:
        numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(_cells(unit.text)[column][1])]
        return (max(numbers) if high else min(numbers)) if numbers else None

    valued = [(value(u), u) for u in rows if value(u) is not None]
    if len(valued) < 2:
        return None
    top = (max if high else min)(valued, key=lambda x: x[0])[1]
    cells = _cells(top.text)
    word = "Highest" if high else "Lowest"
    label = f"{cells[0][0]}: {cells[0][1]}" if cells[0][0] else cells[0][1]
    return top, f"{word} {cells[column][0] or 'value'}: {label} — {cells[column][1]}"


def _column(ev: Evidence, headers: list[str], by_years: bool = True) -> int | None:
    """The column a question asks about: the years band it names, else the header sharing most of its words."""
    from .experience import covering_cell

    if by_years and ev.query.years is not None:
        for i, header in enumerate(headers):
            if covering_cell(f"{header}: x", ev.query):
                return i
    asked = {s for t in ev.terms for s in t.stems}
    scored = [(len(asked & {stem(w) for w in tokens(h)}), i) for i, h in enumerate(headers) if i > 0]
    best = max(scored, default=(0, None))
    return best[1] if best[0] > 0 else None


def _cell_lead(ev: Evidence, chosen: list[Unit], numbers: dict[str, int]) -> str:
    """"City: Pune — 3–5 years: 18.6 LPA [1]." when the best line is a table row with the cell asked."""
    from .experience import covering_cell

    best = chosen[0] if chosen else None
    if best is None or " | " not in best.text:
        return ""
    row = _LIST_MARK.sub("", best.text)
    cell = covering_cell(row, ev.query)
    if cell and not covering_cell(cell.partition(": ")[0] + ": x", ev.query):
        # the years are the row's own ("Experience: 5–8 years"), not a column's: the answer is the
        # column the question names ("Research pay band", "Noida"), if it names one
        cells = _cells(row)
        column = _column(ev, [h for h, _ in cells], by_years=False)
        cell = f"{cells[column][0]}: {cells[column][1]}" if column is not None else ""
    first = row.split(" | ")[0]
    return f"{first} — {cell} [{numbers[best.hit.passage.id]}]." if cell and cell != first else ""


def _render(unit: Unit, number: int) -> str:
    """The unit's text with its list mark dropped, LPA readings added, the heading when it names the subject."""
    text = _LIST_MARK.sub("", unit.text).strip()
    for fig in reversed([f for f in extract_figures(text) if f.kind == "money"]):
        if "LPA" in fig.raw.upper():
            continue
        end = fig.end
        tail = re.match(r"\s*per annum", text[end:])
        end += tail.end() if tail else 0
        text = f"{text[:end]} ({lpa_reading(fig)}){text[end:]}"
    heading = unit.hit.passage.heading
    first = unit_spans(unit.hit.passage.text, heading)[:1]
    if heading and name_like(heading) and not set(tokens(heading)) & set(tokens(text)) and first and unit.start == first[0][0]:
        text = f"{heading}: {text}"  # "Bangalore: The undisputed leader..." names what the passage is about
    if text[-1] in ".!?:":
        return f"{text[:-1]} [{number}]{text[-1]}"
    return f"{text} [{number}]"
