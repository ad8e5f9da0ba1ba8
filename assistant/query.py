"""From a question and its chat history to the query retrieval runs, without an LLM.

A follow-up ("And for seniors?", "What about Pune?", "which companies are there?") is rewritten into
a standalone question by swapping the slot it changes (level, city, role) into the previous question,
or by resolving "there"/"they"; other follow-ups are joined to the previous question. Each user turn
of the history is rewritten in turn, so follow-ups of follow-ups work. Also: tokens and content terms.
Leaves out: expanding with the corpus's salary bands (retrieval.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QuestionError
from .figures import Figure, experience_years, parse_money
from .lexicon import FOCUS_HIGH, FOCUS_LOW, HINGLISH, SLOTS, STOPWORDS, SYNONYMS
from .names import alias_words, find_names
from .text import stem, tokens

_CONNECTIVE = re.compile(
    r"^\s*(?:(?:and|or|but|also|so|ok|okay|then)\b[\s,]*)*(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|in)|and\s+for|for|in|at|with)?\b\s*",
    re.I,
)
_HINDI_YEARS = re.compile(r"(?<=\d)\s*(?:saal|sal|varsh)\b", re.I)
_PRONOUNS = {"they", "them", "their", "there", "it", "its", "that", "those", "these", "this", "he", "she", "such", "wahan", "woh", "unka"}
_PERSONAL = {"he", "she", "her", "him", "his", "hers"}  # a person the conversation named: never a topic of its own


@dataclass
class Query:
    """What retrieval runs: the standalone question plus what was read out of it."""

    text: str  # the retrieval query actually used, shown to the user
    question: str  # what the user typed (cleaned)
    rewritten: bool = False
    focus: str = ""  # the part that is the user's own when earlier context was appended, else the text
    years: float | None = None
    money: list[Figure] = field(default_factory=list)
    previous: str = ""  # the user's previous question, as a question of its own ("" when there was none)
    said: str = ""  # the answer given to it

    @property
    def context(self) -> str:
        """The previous question and the start of its answer: what a follow-up continues."""
        return f"{self.previous} {self.said[:400]}".strip()

    @property
    def expanded(self) -> str:
        """The text plus synonyms of its words, for lexical search."""
        extra = [SYNONYMS[t] for t in tokens(self.text) if t in SYNONYMS]
        extra += [w for t in tokens(self.text) for w in alias_words(t)]  # "Trivandrum" finds "Thiruvananthapuram"
        return " ".join([self.text, *extra])

    @property
    def terms(self) -> list[str]:
        return content_terms(self.text)


_ALSO_ENGLISH = {"me", "par", "pe", "din", "sal", "kam", "tak", "sab", "toh", "bhi", "log", "se", "sa", "ki", "ko", "kis"}


def as_english(text: str) -> str:
    """The question the embedding model reads: Hinglish words put into English when the question
    is Hinglish (two words or more that are no English words), else `text` as it is.

    >>> as_english("ahmedabad mein mlops jobs kitna badhe?")
    'ahmedabad in mlops jobs how much grew?'
    >>> as_english("Tell me the pay in Pune")
    'Tell me the pay in Pune'
    """
    words = re.findall(r"[\w']+", text.lower())
    if sum(1 for w in words if w in HINGLISH and w not in _ALSO_ENGLISH) < 2:
        return text
    swapped = re.sub(r"[\w']+", lambda m: HINGLISH.get(m.group().lower(), m.group()), text)
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([?,.!])", r"\1", swapped)).strip()


def content_terms(text: str) -> list[str]:
    """Tokens that carry the topic: no stop words, question words, domain filler or range ends."""
    return [t for t in tokens(text) if t not in _NO_TOPIC and not t.isdigit() and t != "₹" and len(t) > 1 or t in {"c", "r"}]


_NO_TOPIC = STOPWORDS | FOCUS_HIGH | FOCUS_LOW
_CLAUSE = re.compile(r"\s*(?:\band\b|&|\bas well as\b|\balong with\b|\bplus\b|;|\?\s+(?=\w))\s*", re.I)


def split_parts(text: str) -> list[str]:
    """The parts of a question that asks about two or more things, each as a question; [] for one thing.

    Two names of one kind (places, employers, roles, levels) give one part per name; otherwise
    clauses joined by "and" that each carry a topic, with the question's names and levels kept in each.

    >>> split_parts("What earns more, Bangalore or Pune?")
    ['What earns more, Bangalore?', 'What earns more, Pune?']
    >>> split_parts("salary and skills for a fresher")
    ['salary (fresher)', 'skills for a fresher']
    >>> split_parts("What do junior ML engineers earn?")
    []
    """
    named = [(kind, name, written) for kind, name, written in find_names(text)]
    named += [("level", w.lower(), w) for w in re.findall(r"[\w-]+", text) if w.lower() in SLOTS["level"]]
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, name, written in named:
        if name not in {n for n, _ in by_kind.get(kind, [])}:
            by_kind.setdefault(kind, []).append((name, written))
    for kind, found in by_kind.items():
        if len(found) >= 2 and kind != "role" or len(found) >= 2 and kind == "role" and len({n for n, _ in found}) >= 2:
            parts = []
            for keep, _ in found:
                part = text
                for other, written in found:
                    if other != keep:
                        part = _drop_name(part, written)
                parts.append(re.sub(r"\s{2,}", " ", part).strip())
            if len(set(parts)) == len(parts):
                return parts
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    if len(clauses) < 2 or any(not content_terms(c) for c in clauses):
        return []
    qualifiers = [written for _, _, written in named]
    parts = []
    for j, clause in enumerate(clauses):
        extra = [q for q in qualifiers if q.lower() not in clause.lower() and _scopes_over(q, clauses, j)]
        parts.append(f"{clause.strip().rstrip('?')} ({' '.join(extra)})" if extra else clause.strip())
    return parts


_ASKS = re.compile(r"^\W*(?:what|what's|whats|how|which|where|when|who|whom|whose|why|is|are|was|were|do|does|did|"
                   r"can|could|will|would|should|shall|has|have|kitna|kitne|kya|kaun|kahan|kab|kyun)\b", re.I)


def _scopes_over(qualifier: str, clauses: list[str], j: int) -> bool:
    """Whether a name or level written in another clause qualifies clause j too.

    It carries forward ("pay in Pune and what skills do I need": skills in Pune) and back out of a
    fragment ("salary and skills for a fresher"), but not back out of a question of its own: in
    "the Senior Research Scientist pay band, and what would it pay in Singapore?" the band is not
    asked about Singapore.

    >>> _scopes_over("Singapore", ["the pay band", "what would it pay in Singapore?"], 0)
    False
    >>> _scopes_over("fresher", ["salary", "skills for a fresher"], 0)
    True
    """
    for i, other in enumerate(clauses):
        if i != j and qualifier.lower() in other.lower() and (i < j or not _ASKS.match(other)):
            return True
    return False


_JOINER = r"(?:,|&|/|\bor\b|\band\b|\bvs\.?|\bversus\b|\bthan\b|\bover\b|\bto\b|\bwith\b)"


def _drop_name(text: str, written: str) -> str:
    """`text` without the name and the word joining it to the other one ("Bangalore or Pune" -> "Pune")."""
    name = r"(?<![\w-])" + re.escape(written) + r"(?![\w-])"
    for pattern in (name + r"\s*" + _JOINER + r"\s*", r"\s*" + _JOINER + r"\s*" + name, name):
        if re.search(pattern, text, re.I):
            return re.sub(pattern, " ", text, count=1, flags=re.I).replace(" ?", "?").replace(" ,", ",")
    return text


def build_query(question: str, history: list[dict] | None = None) -> Query:
    """The standalone retrieval query for `question` in the light of `history`.

    >>> build_query("And for seniors?", [{"role": "user", "content": "What do junior ML engineers earn?"}]).text
    'What do senior ML engineers earn?'
    """
    previous, said = "", ""
    for turn in history or []:
        content = turn.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        if turn.get("role") == "user":
            previous, said = standalone(content.strip(), previous, said), ""
        elif turn.get("role") == "assistant":
            said = content.strip()
    text = standalone(question, previous, said)
    figures_text = _HINDI_YEARS.sub(" years", text)  # "5 saal ka experience" is 5 years
    tail = f" ({previous.rstrip('?. ')})?"
    appended = text.endswith(tail) and previous != ""
    return Query(
        text=text,
        question=question,
        rewritten=text != question,
        focus=text[: -len(tail)] + "?" if appended else text,  # "Step 4?" of "Step 4 (Which step is about MLOps)?"
        years=_years_asked(figures_text),
        money=parse_money(figures_text),
        previous=previous,
        said=said,
    )


_LEVELS = {"fresher": 0.5, "freshers": 0.5, "entry-level": 1, "junior": 1, "juniors": 1, "graduate": 0.5,
           "mid-level": 4, "mid": 4, "midlevel": 4, "intermediate": 4, "senior": 8, "seniors": 8, "lead": 10, "leads": 10,
           "staff": 10, "principal": 12}  # the middle of each level's usual years (names.LEVEL_YEARS); interns earn stipends


def _years_asked(text: str) -> float | None:
    """Years of experience the question states ("4 yrs"), else the middle of the level it names ("senior": 8).

    >>> _years_asked("pay with 4 yrs exp"), _years_asked("What do senior ML engineers earn?"), _years_asked("intern stipend")
    (4.0, 8, None)
    """
    years = experience_years(text)
    if years is not None:
        return years
    for word in re.findall(r"[a-z]+(?:-level)?", text.lower()):
        if word in _LEVELS:
            return _LEVELS[word]
    return None


def standalone(question: str, previous: str, said: str = "") -> str:
    """`question` as a question of its own, given the previous (standalone) user question and the answer to it."""
    if not previous or not is_follow_up(question):
        return question
    fragment = _CONNECTIVE.sub("", question).strip().rstrip("?.! ").strip()
    fragment = re.sub(r"\s+(then|too|as well)$", "", fragment, flags=re.I)
    if not fragment:
        return previous
    moved = _next_step(fragment, previous, said) or _next_level(fragment, previous) or _next_year(fragment, previous)
    if moved:
        return moved
    comparing = re.search(r"\b(than|compare[sd]?|comparison|vs|versus)\b", fragment, re.I)
    for slot, words in SLOTS.items():
        if comparing:
            break  # "Is that more than backend developers?" asks about both: keep the earlier subject
        new = _find_slot(fragment, words)
        old = _find_slot(previous, words)
        if new and old and new.lower() != old.lower():
            if new.lower().endswith("s") and new[:-1].lower() in words and not old.lower().endswith("s"):
                new = new[:-1]  # "And for seniors?" after "junior engineers": keep the grammar
            return _replace_word(previous, old, new)
        if new and not old and slot == "city" and len(content_terms(fragment)) <= 1:
            return f"{previous.rstrip('?. ')} in {new}?"
    years = experience_years(fragment)
    level = _find_slot(previous, SLOTS["level"])
    if years is not None and not comparing:
        base = re.sub(r"\s{2,}", " ", _replace_word(previous, level, "")).strip() if level else previous
        return f"{base.rstrip('?. ')} with {years:g} years of experience?"
    city = _find_slot(previous, SLOTS["city"])
    if city and re.search(r"\bthere\b", fragment, re.I):
        return re.sub(r"\bthere\b", f"in {city}", question, count=1, flags=re.I)
    subject = _find_slot(previous, SLOTS["role"]) or level
    if subject and re.search(r"\b(they|them|their)\b", fragment, re.I):
        return re.sub(r"\b(they|them|their)\b", lambda m: subject + ("'s" if m.group(1).lower() == "their" else ""), question, count=1, flags=re.I)
    return f"{question.rstrip('?. ')} ({previous.rstrip('?. ')})?"


_UNITS = r"step|month|week|phase|stage|round|module|chapter|part|semester|quarter"
_AFTER = re.compile(r"\b(?:next|after (?:that|this|it)|following|one after)\b", re.I)
_BEFORE = re.compile(r"\b(?:previous|before (?:that|this|it)|one before|prior)\b", re.I)


def _next_step(fragment: str, previous: str, said: str) -> str | None:
    """"the step after that", when the answer was about Step 3, asks about Step 4 (and "before that" about Step 2).

    >>> _next_step("the step after that", "Which step is about MLOps?", "Step 3: Get MLOps experience.")
    'Step 4 (Which step is about MLOps)?'
    >>> _next_step("and the month before that", "What happens in months 5-6?", "")
    'Month 4 (What happens in months 5-6)?'
    """
    unit = re.search(rf"\b({_UNITS})s?\b", fragment, re.I)
    later, earlier = _AFTER.search(fragment), _BEFORE.search(fragment)
    if not unit or not (later or earlier):
        return None
    name = unit.group(1).lower()
    pattern = re.compile(rf"\b{name}s?\s*(\d{{1,2}})(?:\s*(?:-|–|to)\s*(\d{{1,2}}))?\b", re.I)
    found = pattern.search(said) or (list(pattern.finditer(previous)) or [None])[-1]
    if found is None:
        return None
    low, high = int(found.group(1)), int(found.group(2) or found.group(1))
    n = high + 1 if later else low - 1
    return f"{name.capitalize()} {n} ({previous.rstrip('?. ')})?" if n >= 1 else None


_YEAR_SHIFT = re.compile(r"\b(?:(?:the )?(?:year|yr) (before|after)|(previous|prior|preceding|following|next) year)\b", re.I)
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d.])")


def _next_year(fragment: str, previous: str) -> str | None:
    """"what about the year before?", after a question about 2026, asks the same about 2025.

    >>> _next_year("what about the year before", "Median pay at Trishul in 2026?")
    'Median pay at Trishul in 2025?'
    >>> _next_year("and the following year", "Openings in 2025?"), _next_year("the year before", "Openings?")
    ('Openings in 2026?', None)
    """
    shift, years = _YEAR_SHIFT.search(fragment), list(_YEAR.finditer(previous))
    if not shift or not years:
        return None
    later = (shift.group(1) or shift.group(2)).lower() in ("after", "following", "next")
    last = years[-1]
    return previous[: last.start()] + str(int(last.group(1)) + (1 if later else -1)) + previous[last.end():]


# Career levels in order (their usual words, as names.LEVEL_YEARS reads them): "one level up" from senior is staff.
_LADDER = ("intern", "fresher", "junior", "mid-level", "senior", "staff", "principal")
_RUNG = {"interns": 0, "freshers": 1, "entry": 2, "entry-level": 2, "beginner": 2, "beginners": 2, "juniors": 2,
         "mid": 3, "midlevel": 3, "intermediate": 3, "seniors": 4, "experienced": 4, "lead": 5, "leads": 5}
_UP = re.compile(r"\b(?:(?:one|a) )?level (?:up|higher|above)\b|\bnext level\b|\bhigher level\b", re.I)
_DOWN = re.compile(r"\b(?:(?:one|a) )?level (?:down|lower|below)\b|\blower level\b", re.I)


def _next_level(fragment: str, previous: str) -> str | None:
    """"one level up from that", after a question about seniors, asks the same about staff engineers.

    >>> _next_level("what about one level up from that", "Senior MLOps pay in Pune?")
    'staff MLOps pay in Pune?'
    """
    up, down = _UP.search(fragment), _DOWN.search(fragment)
    old = _find_slot(previous, SLOTS["level"]) if up or down else None
    if not old:
        return None
    rung = _RUNG.get(old.lower(), _LADDER.index(old.lower()) if old.lower() in _LADDER else -1)
    new = rung + (1 if up else -1)
    if rung < 0 or not 0 <= new < len(_LADDER):
        return None
    return _replace_word(previous, old, _LADDER[new])


# An opening that leans on what was said: "and…", "what about…", after a filler ("ok and startups?").
_LEANS = re.compile(
    r"^\s*(?:(?:ok|okay|ohk|ok so|so|hmm+|right|cool|great|nice|thanks|thank you|achha|acha|accha|theek hai|fine)\b[\s,.!]*)*"
    r"(?:and|or|but|also|what about|how about|what of|same for|then)\b",
    re.I,
)


# A closing word that adds to or narrows what was asked before: "which vector dbs specifically?", "… too?"
_NARROWS = re.compile(r"\b(?:specifically|exactly|too|as well|instead|in particular)\W*$", re.I)


def is_follow_up(question: str) -> bool:
    """Does the question lean on the conversation (ellipsis, a pronoun, a bare name, "… too?")?"""
    words = tokens(question)
    terms = content_terms(question)
    if _LEANS.match(question) or _NARROWS.search(question):
        return True
    if len(terms) <= 1 and len(words) <= 8:  # "tier 3 mein kitna milta hai?": one topic word, the rest is grammar
        return True
    if _PERSONAL & set(words):  # "which company gave her the offer she took?"
        return True
    pronouns = _PRONOUNS & set(words)
    if pronouns <= {"they", "them", "their"} and len(terms) >= 2:
        return False  # "which languages do they ask for?": "they" are employers, the topic is its own
    return bool(pronouns) and len(terms) <= 2


def _find_slot(text: str, words: set[str]) -> str | None:
    """The first slot phrase in text, as written there (longest phrases first)."""
    best = None
    for phrase in sorted(words, key=len, reverse=True):
        m = re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", text, re.I)
        if m and (best is None or m.start() < best.start()):
            best = m
    return best.group(0) if best else None


def _replace_word(text: str, old: str, new: str) -> str:
    return re.sub(r"(?<![\w-])" + re.escape(old) + r"(?![\w-])", new, text, count=1, flags=re.I)


_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")  # terminal escape sequences
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_question(question: str, limit: int) -> str:
    """The question without control characters; QuestionError when empty or over `limit`."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    text = _CONTROL.sub(" ", _ANSI.sub("", question.replace("\x00", "")))
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    if not text:
        raise QuestionError("The question is empty: please type a question about the documents.")
    if len(text) > limit:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {limit:,}. Please shorten it.")
    return text


def clean_history(history) -> list[dict]:
    """The user and assistant turns of a chat history, as text of at most 4,000 characters each."""
    out = []
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str):
            out.append({"role": turn["role"], "content": turn["content"][:4000]})
    return out


def keeps_terms(question: str, condensed: str) -> bool:
    """Does an LLM's standalone question keep every topic word the user typed?

    A small model may just repeat the previous question ("And for seniors?" -> "What do junior ML
    engineers earn?"); then the rewrite made without an LLM is the better query.
    """
    kept = {stem(t) for t in content_terms(condensed)}
    return all(stem(t) in kept for t in content_terms(question))
