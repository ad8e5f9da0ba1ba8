"""Check a generated answer against the passages it cites.

The model writes `[n]` after each claim, where `[n]` refers to `passages[n-1]`. `verify` keeps
only what it can check:

- a marker that points at no passage is removed;
- a sentence with no valid marker is dropped ("no citation");
- a sentence with a figure (₹ amounts, lakh, LPA, crore, percentages, year ranges, ...) that none
  of the passages it cites supports is dropped ("unsupported figure 90 LPA"), after normalising
  notation through `figures.figure_supported`, so "15 LPA" is supported by "₹15,00,000";
- a sentence sharing less than 60% of its words with the passages it cites is dropped
  ("words not in the cited passage"): a marker on an unrelated sentence proves nothing;
- a sentence that states nothing is dropped ("not a claim: ..."): a question, a copied
  heading, a bare list of names with markers ("Hyderabad & Pune [1]."), a bare figure;
- a sentence whose named things or relations its cited passage does not hold as the sentence
  uses them is dropped (agreement.py): "Pune has the most openings [2]" needs a sentence of [2]
  naming Pune and saying "most"; "Seniors earn ₹8,00,000 [1]" needs the figure beside "senior";
- each clause must then be backed by ONE statement of a cited passage (anchoring.py): nearly
  all its words, and all its names, levels, figures, relation words and negation, in that one
  sentence or table cell: the checks above look for known kinds of error, this one asks for
  positive support of everything the clause says;
- with the question given, a figure-free sentence that only repeats the question's words is
  dropped ("restates the question");
- a sentence that is word for word a sentence of a cited passage, or a table row's first cell
  with some of its cells in order, is kept before any of these checks (`_copied`): it says what
  the passage says, and the word checks can misread the passage's own wording;
- the surviving markers are renumbered 1..k in order of first use.

It does not read meaning beyond names, levels, figures and a fixed set of relation words:
that would need a model, and the point here is a check that cannot itself hallucinate (an
LLM judge was measured and not chosen; see tests/data/verifier/README.md). Pure string logic,
no heavy imports.
"""

from __future__ import annotations

import re
from typing import Any

from .agreement import agreement_problem, claim_problem, levels
from .anchoring import anchor_problem
from .figures import extract_figures, unsupported_figures
from .schema import Passage
from .wording import unsigned

# "[3]", "[1, 2]" and "[1][2]" all occur in model output; the group is one bracket.
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
# A sentence ends at . ! ? followed by space, but not after "e.g." or "i.e."; "2.5" has no space.
_SENTENCE_END = re.compile(r"(?<!\b[A-Za-z]\.[A-Za-z]\.)(?<=[.!?])\s+")
_LIST_PREFIX = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_LEADING_MARKERS = re.compile(r"^((?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+)\s*")
_WORD = re.compile(r"[\w₹%]+")
_NUMERIC = re.compile(r"^[₹\d%]")
_UNIT_STEMS = frozenset("lakh lakhs lac lacs lpa crore cr rs inr per annum year years month "
                        "earn earns earned make makes paid pay pays salary salaries ctc median".split())
# Career levels, spelled as the field spells them, compared as one word ("freshers" ~ "junior").
_LEVEL_WORDS = {"fresher": "junior", "freshers": "junior", "entry": "junior", "entry-level": "junior",
                "juniors": "junior", "seniors": "senior", "mid": "mid-level"}
OVERLAP = 0.6  # share of a sentence's content words its cited passages must hold (tuned on tests/data/verifier/)
_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or the this that to was were "
    "with which who what can you your their they there than more most".split()
)


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Split text into (line number, sentence) units, keeping markers with their sentence.

    A marker written after the full stop belongs to the sentence before it:

    >>> split_sentences("Pay is high. [1] Python rules [2].\\n- Docker [3]")
    [(0, 'Pay is high. [1]'), (0, 'Python rules [2].'), (1, '- Docker [3]')]
    """
    units: list[tuple[int, str]] = []
    for line_no, line in enumerate(text.splitlines()):
        line = line.strip()
        prefix = _LIST_PREFIX.match(line)
        body = line[prefix.end():] if prefix else line
        pieces = [p for p in _SENTENCE_END.split(body) if p.strip()]
        if prefix and pieces:
            pieces[0] = prefix.group(0) + pieces[0]
        for piece in pieces:
            lead = _LEADING_MARKERS.match(piece)
            if lead and units and units[-1][0] == line_no:
                units[-1] = (line_no, units[-1][1] + " " + lead.group(1).strip())
                piece = piece[lead.end():]
            if piece.strip():
                units.append((line_no, piece.strip()))
    return units


def markers(sentence: str) -> list[int]:
    """The marker numbers in a sentence, in order: "a [2] b [1, 3]" -> [2, 1, 3]."""
    found: list[int] = []
    for match in _MARKER.finditer(sentence):
        found.extend(int(n) for n in re.split(r"\s*,\s*", match.group(1)))
    return found


def strip_markers(text: str) -> str:
    """The text without [n] markers, spacing tidied."""
    return _tidy(_MARKER.sub("", text))


def verify(text: str, passages: list[Passage], question: str = "") -> tuple[str, list[int], dict[str, Any]]:
    """Keep the cited, figure-supported sentences of `text`; renumber markers by first use.

    Returns (clean_text, order, report): `order[k-1]` is the index into `passages` of the
    passage that `[k]` in clean_text cites. With `question`, a sentence that only repeats the
    question's words ("The salary range for juniors is [1].") is dropped too.

    >>> p = [Passage("a", "Junior: ₹8,00,000 – ₹12,00,000 per annum", "guide.txt")]
    >>> verify("Juniors earn 8–12 LPA [1]. Seniors earn 90 LPA [1]. Great!", p)[0]
    'Juniors earn 8–12 LPA [1].'
    """
    removed: list[int] = []
    dropped: list[dict[str, str]] = []
    order: list[int] = []  # original 0-based passage indexes, in order of first use
    kept_lines: dict[int, list[str]] = {}
    recited: list[dict] = []
    kept = 0
    for line_no, sentence in split_sentences(text):
        valid = []
        for n in markers(sentence):
            if 1 <= n <= len(passages):
                if n - 1 not in valid:
                    valid.append(n - 1)
            else:
                removed.append(n)
        plain = strip_markers(sentence)
        if not _has_words(plain):
            continue  # a bare marker or bullet left over; nothing to keep or report
        problem = _problem(plain, [passages[i] for i in valid], question) if valid else "no citation"
        if problem and not problem.startswith("not a claim"):
            # Small models often write a true sentence with the wrong number ("[1]" for the
            # passage they were sent second) or none: the one other passage that passes every
            # check is cited instead, so the kept sentence is still held to the passage it cites.
            others = [i for i in range(len(passages)) if i not in valid and passages[i].text.strip()]
            fits = [i for i in others if _problem(plain, [passages[i]], question) is None]
            if len(fits) == 1:
                recited.append({"sentence": plain, "from": [i + 1 for i in valid], "to": fits[0] + 1,
                                "reason": problem})
                valid, problem = fits, None
                sentence = _cite(sentence, fits[0] + 1)
        if problem:
            dropped.append({"sentence": plain, "reason": problem})
            continue
        for i in valid:
            if i not in order:
                order.append(i)
        kept_lines.setdefault(line_no, []).append(_renumber(sentence, passages, order))
        kept += 1
    clean = "\n".join(" ".join(parts) for _, parts in sorted(kept_lines.items()))
    report = {
        "removed_markers": removed,
        "dropped_sentences": dropped,
        "recited_sentences": recited,
        "kept": kept,
        "dropped": len(dropped),
    }
    return clean, order, report


def _problem(plain: str, cited_passages: list[Passage], question: str) -> str | None:
    """Why a sentence (markers removed) is not held by the passages it cites, or None."""
    if _copied(plain, cited_passages):
        return None
    cited = [p.text for p in cited_passages]
    headings = [f"{p.section} {p.title}" for p in cited_passages]
    not_a_claim = claim_problem(plain, [p.section for p in cited_passages]
                                + [p.title for p in cited_passages if p.title])
    if not_a_claim:
        return not_a_claim
    # the heading and the document's title hold figures the claim may repeat ("the 12-month roadmap")
    bad = unsupported(plain, cited + headings)
    if bad:
        # A thing of the question that the passage never names is the deeper fault ("62.5 LPA in
        # Ahmedabad" over a table without Ahmedabad): generation reads it as "nothing to answer".
        figure = f"unsupported figure {', '.join(f.raw for f in bad)}"
        named = (agreement_problem(plain, cited_passages, question) or "") if question else ""
        asked = re.match(r"names (.+), which the cited passage does not", named)
        words = set(re.findall(r"[\w-]+", question.lower()))
        return f"{named}; {figure}" if asked and set(asked[1].split(", ")) <= words else figure
    if not _overlaps(plain, cited + headings):
        return "words not in the cited passage"
    if question and not extract_figures(unsigned(plain)) and not _stems(plain) - _stems(question):
        return "restates the question"
    return agreement_problem(plain, cited_passages, question) or anchor_problem(plain, cited_passages, question)


def _copied(plain: str, cited_passages: list[Passage]) -> bool:
    """Whether a sentence is, word for word, a whole sentence or table row of a cited passage: it
    then says what the passage says. The meaning checks read sentences the model wrote and can
    misread the passage's own ("Start with PyTorch." as a bare name, a row's "(GCC)" as a subject
    no sentence speaks of). A line that is no sentence (a heading, "Hyderabad & Pune") does not count.

    >>> p = [Passage("p", "Should I learn TensorFlow?\\nStart with PyTorch. It is the default in research.", "f.md")]
    >>> _copied("Start with PyTorch.", p), _copied("Should I learn TensorFlow?", p), _copied("Start with JAX.", p)
    (True, False, False)
    >>> row = [Passage("r", "City: Pune | 0–2 years: 9.4 LPA | 3–5 years: 18.6 LPA", "s.html")]
    >>> _copied("City: Pune | 3–5 years: 18.6 LPA", row), _copied("City: Pune | 3–5 years: 9.4 LPA", row)
    (True, False)
    """
    own = _flat(plain)
    if len(own.split()) < 3:
        return False
    cells = own.split(" | ")
    for passage in cited_passages:
        for _, unit in split_sentences(passage.text):
            unit = _LIST_PREFIX.sub("", unit).strip()
            if unit.endswith((".", "!")) and _flat(unit) == own:
                return True
            row = _flat(unit).split(" | ")
            # a table row, or its first cell with some of its others, in the row's order
            if len(row) > 1 and len(cells) > 1 and cells[0] == row[0] and _in_order(cells, row):
                return True
    return False


def _in_order(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(c == w for w in rest) for c in part)


def _flat(text: str) -> str:
    return " ".join(_LIST_PREFIX.sub("", text).split()).rstrip(" .!;:").lower()


def _cite(sentence: str, n: int) -> str:
    """The sentence with its markers replaced by one [n] before its closing punctuation.

    >>> _cite("Kubernetes is asked for in 72% of postings [1].", 2)
    'Kubernetes is asked for in 72% of postings [2].'
    """
    body = strip_markers(sentence).rstrip()
    end = len(body.rstrip(".!?;:"))
    return f"{body[:end]} [{n}]{body[end:]}"


def unsupported(sentence: str, sources: list[str]) -> list:
    """The figures of `sentence` that none of `sources` supports, a change's sign read as
    notation: "up 27.4%" is supported by "YoY change: +27.4%" (figures.py reads no sign).

    >>> [f.raw for f in unsupported("BFSI grew 27.4% and 9%", ["YoY change: +27.4%"])]
    ['9%']
    >>> [f.raw for f in unsupported("Retail postings changed by +33.6%", ["YoY change: +27.4%"])]
    ['33.6%']
    """
    # The sentence is read unsigned too: figures.py reads no sign, so "+33.6%" would be no figure
    # at all, never checked against the sources and never stopping "restates the question".
    return unsupported_figures(unsigned(sentence), [unsigned(s) for s in sources])


def quotes_for(sentences: list[str], passage_text: str, limit: int = 3) -> list[str]:
    """The sentences (or list lines) of `passage_text` that best match the answer sentences.

    For each answer sentence, the passage sentence sharing the most content words is taken;
    the result keeps passage order and has no duplicates.
    """
    candidates = [s for _, s in split_sentences(passage_text)]
    chosen: set[int] = set()
    for sentence in sentences:
        words = _content_words(sentence)
        scores = [len(words & _content_words(c)) for c in candidates]
        if scores and max(scores) > 0:
            chosen.add(scores.index(max(scores)))
    return [candidates[i] for i in sorted(chosen)][:limit]


def _renumber(sentence: str, passages: list[Passage], order: list[int]) -> str:
    """Rewrite one sentence's markers to their new numbers, dropping invalid and repeated ones."""
    seen: set[int] = set()

    def repl(match: re.Match) -> str:
        out = []
        for n in (int(x) for x in re.split(r"\s*,\s*", match.group(1))):
            if 1 <= n <= len(passages) and n - 1 not in seen:
                seen.add(n - 1)
                out.append(f"[{order.index(n - 1) + 1}]")
        return "".join(out)

    return _tidy(_MARKER.sub(repl, sentence))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", text).strip()


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z0-9₹]", text))


def _overlaps(sentence: str, sources: list[str]) -> bool:
    """Whether at least OVERLAP of the sentence's words (5-letter stems) occur in the sources.

    A cheap guard against a valid marker on an unrelated sentence, e.g. a small model repeating
    the prompt's worked example with its [2]. Figures are left to the figure check.
    """
    words = _stems(sentence)
    if not words:
        return True
    known = {stem for source in sources for stem in _stems(source)}
    known |= {level[:5] for source in sources for level in levels(source)}  # "0–2 years" is junior
    return len(words & known) >= OVERLAP * len(words)


def _stems(text: str) -> set[str]:
    """Five-letter stems of the content words, numbers and units left out."""
    return {_LEVEL_WORDS.get(w, w)[:5] for w in _content_words(text)
            if not _NUMERIC.match(w) and w not in _UNIT_STEMS}


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(strip_markers(text).lower()) if w not in _STOP}
