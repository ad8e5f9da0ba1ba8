"""The words the verifier compares: tokens, name keys, career levels and stems of a text.

Shared by `claims.py`, `relations.py` and `agreement.py`, which judge a generated sentence
against its cited passage; this module only reads words and judges nothing. The lists are
English function words, money units and the field's career levels, never one document's
wording. Pure string logic, no heavy imports.

    >>> sorted(name_keys("Bangalore and AI/ML teams"))
    ['ai', 'ai/ml', 'bangalore', 'ml']
    >>> sorted(levels("Junior ML Engineer (0-2 years) and 6+ years"))
    ['junior', 'senior']
    >>> stems("ML engineers command a 20-30% premium")
    ['ml', 'engin', 'comma', '', 'premi']
"""

from __future__ import annotations

import re

from .figures import extract_figures

# Words with their inner punctuation: "C++", "AI/ML", "Mid-Level", "Node.js", "don't".
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[+#]+|(?:['’./&-][A-Za-z0-9]+)+)?")
MARKER = re.compile(r"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")
LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
FUNCTION = frozenset(
    "a an and are as at be been being both but by can could did do does each either for from had "
    "has have he her here his how i if in into is it its may me might more most much must my no "
    "nor not of on once or other our out over own same she should so some such than that the "
    "their them then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your also however according "
    "per e.g i.e etc like including".split())
UNITS = frozenset("lpa lakh lakhs lac cr crore crores rs inr ctc p.a pa k".split())  # money words, not names
_CONNECTORS = frozenset("and or also both including like such as e.g etc plus well".split())
# Career levels, a fact of the field: each word names the level on its left.
LEVEL_WORDS = {
    "junior": "junior", "juniors": "junior", "entry": "junior", "entry-level": "junior",
    "fresher": "junior", "freshers": "junior", "graduate": "junior", "graduates": "junior",
    "mid": "mid", "mid-level": "mid", "mid-career": "mid", "intermediate": "mid",
    "senior": "senior", "seniors": "senior", "senior-level": "senior", "principal": "senior",
    "senior/lead": "senior",
}
# Kinds of employer, a fact of the field like the levels: a claim about startups is not one about GCCs.
_KINDS = {
    "startup": r"start-?ups?", "product company": r"product[- ](?:compan(?:y|ies)|firms?|MNCs?)",
    "mnc": r"MNCs?|multinationals?", "gcc": r"GCCs?|global capability cent(?:re|er)s?",
    "it services": r"IT[- ]services|IT firms?|service compan(?:y|ies)", "unicorn": r"unicorns?",
    "big tech": r"big[- ]tech", "bank": r"banks?|BFSI", "consultancy": r"consultanc(?:y|ies)|consulting firms?",
}
_KIND = {k: re.compile(rf"\b(?:{v})\b", re.I) for k, v in _KINDS.items()}
# Words any salary or career sentence may add to its passage without claiming more ("earns",
# "experience", "range"): money and time words, as grounding's overlap check reads them too.
GENERIC = frozenset("earn earns earned earning make makes paid pay pays paying salary salaries median "
                    "range per annum year years yearly month months monthly experience typically "
                    "usually about around roughly approximately".split())
_SIGN = re.compile(r"(?<![\w.+])[+](?=\d)")
_COUNTS = "zero one two three four five six seven eight nine ten eleven twelve".split()
_COUNT = re.compile(rf"\b({'|'.join(_COUNTS)})\s+(?:or\s+more\s+)?years\b", re.I)
_YEARS = re.compile(r"\b(\d{1,2})\s*(?:[–-]\s*\d{1,2}|\+)\s*(?:years?|yrs?)\b", re.I)


def levels(text: str) -> frozenset[str]:
    """Career levels a text names, by word or by experience band ("0–2 years" is junior)."""
    found = {LEVEL_WORDS[w] for w in (t.lower() for t in TOKEN.findall(text)) if w in LEVEL_WORDS}
    text = _COUNT.sub(lambda m: f"{_COUNTS.index(m.group(1).lower())}+ years", text)  # "six or more years"
    for m in _YEARS.finditer(text):
        low = int(m.group(1))
        found.add("junior" if low <= 2 else "mid" if low <= 5 else "senior")
    return frozenset(found)


def kinds(text: str) -> frozenset[str]:
    """Kinds of employer a text names.

    >>> sorted(kinds("Early-stage startups and product MNCs, unlike IT services firms"))
    ['it services', 'mnc', 'product company', 'startup']
    """
    return frozenset(k for k, pattern in _KIND.items() if pattern.search(text))


def content_stems(text: str) -> set[str]:
    """The stems a claim must find in its cited sentence: content words made singular, levels
    read as their level ("freshers" -> "junior"), generic money and time words left out."""
    out = set()
    for w in (t.lower() for t in TOKEN.findall(without_figures(text))):
        if w in FUNCTION or w in UNITS or w in GENERIC:
            continue
        out.add(LEVEL_WORDS.get(w, sing(w))[:5])
    return out


def unsigned(text: str) -> str:
    """The text with a change's sign dropped ("YoY change: +27.4%" -> "YoY change: 27.4%"), which
    figures.py does not read: a claim says "up 27.4%". "C++", "6+ years" and "1.5+" stay."""
    return _SIGN.sub("", text)


def without_figures(text: str) -> str:
    """The text with its figures ("8-12 LPA", "₹15,00,000") blanked, units and all."""
    for fig in reversed(extract_figures(text)):
        text = text[: fig.start] + " " * (fig.end - fig.start) + text[fig.end:]
    return text


def name_keys(text: str, skip_first: bool = False) -> set[str]:
    """Name keys of capitalised words; with `skip_first`, a sentence's or cell's first word
    counts only when it is an acronym or CamelCase ("Serving starts" names nothing)."""
    keys = set()
    text = without_figures(text)
    for m in TOKEN.finditer(text):
        word = m.group(0)
        if not is_name(word):
            continue
        before = text[: m.start()].rstrip()
        if skip_first and not inner_capital(word) and (not before or before.endswith((".", ":", "|", "!", "?"))):
            continue
        keys.update(split_key(word))
    return keys


def split_key(word: str) -> set[str]:
    """"AI/ML" -> {"ai/ml", "ai", "ml"}; "Mid-Level" -> {"mid-level", "mid", "level"}; plurals
    are made singular ("MNCs" -> "mnc")."""
    low = word.lower()[:-2] if word.endswith(("'s", "’s")) else word.lower()
    return {sing(k) for k in (low, *(p for p in re.split(r"[/&-]", low) if p))}


def sing(word: str) -> str:
    """A crude singular: "engineers" -> "engineer"; "class" and "bus" stay."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def is_name(word: str) -> bool:
    return any(c.isupper() for c in word) or "+" in word or "#" in word


def inner_capital(word: str) -> bool:
    """An acronym or CamelCase word, a name even at the start of a sentence."""
    return any(c.isupper() for c in word[1:]) or (len(word) > 1 and word.isupper())


def plain_word(word: str) -> bool:
    """A lower-case content word: the mark of a statement rather than a list of names."""
    low = word.lower()
    return word[0].islower() and low not in _CONNECTORS and low not in FUNCTION and len(low) > 1


def stems(text: str) -> list[str]:
    """Five-letter stems of a text's words in order, "" for function words, units and figures."""
    return [w[:5] if w not in FUNCTION and w not in UNITS else ""
            for w in (t.lower() for t in TOKEN.findall(without_figures(text)))]


def key(text: str) -> str:
    """The text's words, lower-cased and single-spaced, to compare a sentence with a heading."""
    return " ".join(w.lower() for w in TOKEN.findall(text))
