"""Named things of the field, from general knowledge: places, employers, job titles, tools, career levels.

A question that asks about one of these ("pay in Chennai", "notice period at Zerodha", "data
analyst salary") is answered only from passages that name it; the lists hold for any document
about tech careers in India, never for one document's wording. Aliases map a name to the forms a
document may use ("bengaluru" -> "bangalore"). Data plus two small lookups, no logic beyond them.
Leaves out: deciding what a missing name means (relevance.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

_INDIAN_CITIES = """
bangalore bengaluru mumbai bombay delhi new-delhi ncr delhi-ncr gurgaon gurugram noida greater-noida
faridabad ghaziabad hyderabad secunderabad chennai madras pune kolkata calcutta ahmedabad gandhinagar surat
vadodara baroda rajkot jaipur jodhpur udaipur lucknow kanpur indore bhopal nagpur nashik aurangabad thane
navi-mumbai kochi cochin trivandrum thiruvananthapuram kozhikode calicut coimbatore madurai trichy
tiruchirappalli salem mysore mysuru mangalore mangaluru hubli belgaum visakhapatnam vizag vijayawada guntur
warangal bhubaneswar cuttack patna ranchi jamshedpur guwahati shillong chandigarh mohali panchkula ludhiana
amritsar jalandhar dehradun shimla srinagar jammu varanasi prayagraj allahabad agra meerut goa panaji
pondicherry puducherry raipur gwalior jabalpur kota ajmer siliguri durgapur manipal vellore tirupati
kolhapur solapur karnataka maharashtra telangana tamil-nadu kerala gujarat rajasthan uttar-pradesh
west-bengal andhra-pradesh haryana punjab odisha bihar assam madhya-pradesh
"""
_WORLD_PLACES = """
london new-york san-francisco bay-area silicon-valley seattle boston austin chicago los-angeles toronto
vancouver montreal berlin munich frankfurt paris amsterdam dublin zurich geneva singapore dubai abu-dhabi
tokyo sydney melbourne hong-kong shanghai beijing shenzhen seoul tel-aviv stockholm helsinki copenhagen oslo
lisbon madrid barcelona warsaw prague kuala-lumpur jakarta bangkok manila dhaka karachi lahore colombo
kathmandu nairobi lagos cairo riyadh doha
usa us united-states america uk united-kingdom britain england scotland germany france canada australia
uae japan china netherlands holland ireland switzerland sweden norway denmark finland israel new-zealand
south-africa nigeria kenya brazil mexico argentina spain italy portugal poland russia ukraine south-korea
korea taiwan vietnam thailand malaysia indonesia philippines pakistan bangladesh sri-lanka nepal
saudi-arabia qatar egypt europe asia middle-east gulf africa latin-america
american canadian british english german french australian european japanese chinese singaporean dutch
swiss irish israeli korean emirati
"""
_EMPLOYERS = """
google alphabet microsoft amazon aws meta facebook apple netflix nvidia intel amd qualcomm ibm oracle
salesforce adobe sap cisco vmware dell uber ola lyft airbnb linkedin twitter openai anthropic deepmind
tesla samsung sony walmart flipkart myntra swiggy zomato zepto blinkit bigbasket meesho nykaa paytm
phonepe razorpay cred groww zerodha upstox policybazaar pine-labs freshworks zoho byjus byju's unacademy
vedantu upgrad ather makemytrip oyo dream11 sharechat dailyhunt inmobi infosys tcs
tata-consultancy-services wipro hcl hcltech tech-mahindra cognizant accenture capgemini deloitte pwc kpmg
mckinsey bcg lti ltimindtree mindtree mphasis hexaware zensar genpact exl mu-sigma fractal
fractal-analytics tiger-analytics latentview quantiphi tredence gramener goldman-sachs jpmorgan
jp-morgan morgan-stanley barclays hsbc citi citibank deutsche-bank wells-fargo american-express amex
mastercard paypal hdfc hdfc-bank icici icici-bank axis-bank kotak sbi bajaj-finserv reliance jio
reliance-jio tata-motors mahindra airtel bharti-airtel vodafone novartis pfizer gsk astrazeneca sanofi
roche siemens bosch philips honeywell unilever hindustan-unilever nestle sarvam sarvam-ai krutrim
yellow.ai haptik uniphore sprinklr browserstack postman chargebee druva innovaccer darwinbox observe.ai
qure.ai sigtuple shiprocket delhivery rapido urban-company lenskart cars24 spinny cardekho practo
pharmeasy curefit healthifyme udaan licious dunzo khatabook okcredit juspay perfios intuit atlassian
thoughtworks publicis-sapient epam nagarro virtusa coforge birlasoft cyient kpit tata-elxsi hotstar
jiohotstar
"""
_ROLES = """
data-scientist data-engineer data-analyst business-analyst analytics-engineer ml-engineer
machine-learning-engineer mlops-engineer ai-engineer research-scientist applied-scientist research-engineer
software-engineer software-developer sde backend-developer backend-engineer frontend-developer
frontend-engineer full-stack-developer devops-engineer sre site-reliability-engineer cloud-engineer
product-manager program-manager project-manager engineering-manager qa-engineer test-engineer tester
data-architect solutions-architect nlp-engineer computer-vision-engineer prompt-engineer llm-engineer
genai-engineer bi-developer database-administrator dba security-engineer embedded-engineer
mobile-developer android-developer ios-developer ux-designer ui-designer product-designer statistician
quant quant-researcher data-annotator
"""
# Languages, frameworks, platforms and certifications of the field: "postings asking for Java" is
# answered only by a passage that names Java. Words that are also common English are left out
# ("go", "ray", "spark" is kept: in this field it is Apache Spark) or matched only as written.
_TOOLS = """
python java scala golang rust c++ javascript typescript sql nosql matlab julia kotlin swift
pytorch tensorflow keras jax scikit-learn sklearn xgboost lightgbm catboost pandas numpy opencv spacy nltk
hugging-face huggingface langchain llamaindex llama-index langgraph vllm onnx tensorrt cuda triton-inference-server
docker kubernetes k8s terraform ansible jenkins airflow kubeflow mlflow dvc spark pyspark hadoop hive kafka flink
databricks snowflake bigquery redshift sagemaker vertex-ai azure gcp google-cloud azure-ml
fastapi flask django pinecone milvus qdrant weaviate pgvector faiss elasticsearch opensearch postgres postgresql
mongodb redis tableau power-bi looker excel
"""
# Career levels and the years of experience they usually stand for (used to read "fresher pay").
LEVEL_YEARS: dict[str, tuple[float, float]] = {
    "intern": (0, 0), "interns": (0, 0), "internship": (0, 0), "trainee": (0, 1), "fresher": (0, 1),
    "freshers": (0, 1), "graduate": (0, 1), "entry-level": (0, 2), "junior": (0, 2), "juniors": (0, 2),
    "mid-level": (3, 5), "mid": (3, 5), "intermediate": (3, 5), "senior": (6, 10), "seniors": (6, 10),
    "lead": (8, 15), "leads": (8, 15), "staff": (8, 15), "principal": (10, 20), "architect": (10, 20),
    "director": (12, 25), "vp": (15, 30), "cto": (15, 30),
}

ALIASES: dict[str, tuple[str, ...]] = {
    "bengaluru": ("bangalore",), "bangalore": ("bengaluru", "blr"), "bombay": ("mumbai",), "mumbai": ("bombay",),
    "gurgaon": ("gurugram",), "gurugram": ("gurgaon",), "delhi-ncr": ("ncr", "delhi"), "ncr": ("delhi", "delhi-ncr"),
    "delhi": ("ncr", "new-delhi", "delhi-ncr"), "new-delhi": ("delhi",), "calcutta": ("kolkata",),
    "madras": ("chennai",), "trivandrum": ("thiruvananthapuram",), "thiruvananthapuram": ("trivandrum",),
    "cochin": ("kochi",), "kochi": ("cochin",), "mysore": ("mysuru",), "mysuru": ("mysore",), "vizag": ("visakhapatnam",),
    "visakhapatnam": ("vizag",), "baroda": ("vadodara",), "vadodara": ("baroda",), "allahabad": ("prayagraj",),
    "tcs": ("tata-consultancy-services",), "tata-consultancy-services": ("tcs",), "hcl": ("hcltech",),
    "hcltech": ("hcl",), "jp-morgan": ("jpmorgan",), "jpmorgan": ("jp-morgan",), "aws": ("amazon",),
    "facebook": ("meta",), "meta": ("facebook",), "alphabet": ("google",), "citi": ("citibank",),
    "citibank": ("citi",), "amex": ("american-express",), "american-express": ("amex",), "byjus": ("byju's",),
    "us": ("usa", "united-states", "america"), "usa": ("us", "united-states", "america"),
    "united-states": ("us", "usa", "america"), "america": ("us", "usa", "united-states"),
    "uk": ("united-kingdom", "britain", "england"), "united-kingdom": ("uk", "britain"), "britain": ("uk",),
    "england": ("uk",), "holland": ("netherlands",), "american": ("us", "usa", "america", "united-states"),
    "canadian": ("canada",), "canada": ("canadian",), "british": ("uk", "britain"), "german": ("germany",),
    "germany": ("german",), "french": ("france",), "australian": ("australia",), "european": ("europe",),
    "europe": ("european",), "japanese": ("japan",), "chinese": ("china",), "singaporean": ("singapore",),
    "dutch": ("netherlands",), "swiss": ("switzerland",), "irish": ("ireland",), "israeli": ("israel",), "sarvam": ("sarvam-ai",), "sarvam-ai": ("sarvam",),
    "ml-engineer": ("machine-learning-engineer", "mle"), "machine-learning-engineer": ("ml-engineer", "mle"),
    "sde": ("software-engineer", "software-developer"), "sre": ("site-reliability-engineer",),
    "backend-developer": ("backend-engineer", "back-end-developer"), "backend-engineer": ("backend-developer",),
    "kubernetes": ("k8s",), "k8s": ("kubernetes",), "scikit-learn": ("sklearn",), "sklearn": ("scikit-learn",),
    "hugging-face": ("huggingface",), "huggingface": ("hugging-face",), "gcp": ("google-cloud",), "google-cloud": ("gcp",),
    "postgres": ("postgresql",), "postgresql": ("postgres",), "llamaindex": ("llama-index",), "llama-index": ("llamaindex",),
    "spark": ("pyspark",), "pyspark": ("spark",), "golang": ("go",),
}


def _phrases(block: str) -> frozenset[str]:
    return frozenset(block.split())


PLACES = _phrases(_INDIAN_CITIES) | _phrases(_WORLD_PLACES)
EMPLOYERS = _phrases(_EMPLOYERS)
ROLES = _phrases(_ROLES)
TOOLS = _phrases(_TOOLS)
KINDS = {"place": PLACES, "employer": EMPLOYERS, "role": ROLES, "tool": TOOLS}
_COMPACT = {n.replace("-", ""): n for n in PLACES | EMPLOYERS | ROLES | TOOLS}  # "datascientist" -> "data-scientist"
_SINGLE = frozenset(n for n in PLACES | EMPLOYERS if "-" not in n and "." not in n and len(n) >= 6)
_SINGLE_SORTED = sorted(_SINGLE)
# Words that are names only when written as one ("US" the country, not "us"; "Ola", "Meta").
_CASE_SENSITIVE = {"us": "US", "excel": "Excel"}


def _pattern(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.split("-")]
    return r"[\s-]?".join(words) + r"s?" if phrase in ROLES else r"[\s-]?".join(words)


@lru_cache(maxsize=1)
def _matcher() -> re.Pattern:
    phrases = sorted(PLACES | EMPLOYERS | ROLES | TOOLS, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(_pattern(p) for p in phrases) + r")(?![\w-])", re.I)


def canonical(found: str) -> str | None:
    """The list form of a matched name, or None: "Bengaluru" -> "bengaluru", "data scientists" -> "data-scientist".

    >>> canonical("Data  Scientists"), canonical("datascientist"), canonical("nowhere")
    ('data-scientist', 'data-scientist', None)
    """
    compact = re.sub(r"[\s-]+", "", found.lower())
    return _COMPACT.get(compact) or (_COMPACT.get(compact[:-1]) if compact.endswith("s") else None)


_ORDINAL = re.compile(r"\b(month|week|day|step|phase|stage|round|level|module|chapter|semester|quarter|q)s?\s*(\d{1,2})\b(?!\s*(?:%|lpa|lakh|years?|yrs?|months?|weeks?|days?|hours?))", re.I)
_ORDINAL_RANGE = re.compile(r"\b(month|week|day|step|phase|stage|round|level|module|chapter|semester|quarter|q)s?\s*(\d{1,2})(?:\s*(?:-|–|to|and)\s*(\d{1,2}))?\b", re.I)
_YEAR = re.compile(r"(?<![\w₹.,-])((?:19[6-9]|20[0-4])\d)(?![\w%+,.-]|\.\d)")
# A season or financial year as Indian writing gives it: "2024-25", "FY2024–25", "2024/25".
_SEASON = re.compile(r"(?<![\d₹.,-])((?:19[6-9]|20[0-4])\d)\s?[-–/]\s?(\d\d)(?![\w%+,.-]|\.\d)")


def find_names(text: str, fuzzy: bool = True) -> list[tuple[str, str, str]]:
    """(kind, canonical name, as written) for every named thing in `text`, in order.

    A calendar year ("in 2019") is a named thing too: a document about 2026 doesn't answer it.
    `fuzzy` also matches misspelt places and employers, as users type them ("bangalor"); a
    document's text is read without it.

    >>> find_names("Do data scientists in Bengaluru earn more than at TCS?")
    [('role', 'data-scientist', 'data scientists'), ('place', 'bengaluru', 'Bengaluru'), ('employer', 'tcs', 'TCS')]
    >>> find_names("postings asking for Java or scikit learn, to excel at it")
    [('tool', 'java', 'Java'), ('tool', 'scikit-learn', 'scikit learn')]
    >>> find_names("tell us about it"), find_names("pay in 2019 vs 2,000 LPA")
    ([], [('year', '2019', '2019')])
    >>> find_names("offers in the 2024-25 season"), find_names("postings 2019-22")
    ([('year', '2024-25', '2024-25')], [])
    """
    out = [(m.start(), ("year", m.group(1), m.group(1))) for m in _YEAR.finditer(text)]
    out += [(m.start(), ("year", f"{m.group(1)}-{m.group(2)}", m.group(0))) for m in _SEASON.finditer(text)
            if (int(m.group(1)) + 1) % 100 == int(m.group(2))]  # "2019-22" is a span of years, not a season
    out += _near_spellings(text) if fuzzy else []
    out += [(m.start(), ("ordinal", f"{m.group(1).lower()} {int(m.group(2))}" + (f"-{int(m.group(3))}" if m.group(3) else ""),
                          m.group(0))) for m in _ORDINAL_RANGE.finditer(text) if _ORDINAL.match(text, m.start())]
    for m in _matcher().finditer(text):
        written = m.group(1)
        key = canonical(written)
        if key is None or key in _CASE_SENSITIVE and written != _CASE_SENSITIVE[key]:
            continue
        kind = next(k for k, names in KINDS.items() if key in names)
        out.append((m.start(), (kind, key, written)))
    return [found for _, found in sorted(out, key=lambda x: x[0])]


def _near_spellings(text: str) -> list[tuple[int, tuple[str, str, str]]]:
    """Misspelt one-word places and employers ("bangalor", "hydrabad"), matched closely (difflib >= 0.85)."""
    import difflib

    out = []
    for m in re.finditer(r"[A-Za-z]{6,}", text):
        word = m.group(0).lower()
        if word in _SINGLE:
            continue
        close = difflib.get_close_matches(word, _SINGLE_SORTED, n=1, cutoff=0.85)
        if close:
            key = close[0]
            out.append((m.start(), ("place" if key in PLACES else "employer", key, m.group(0))))
    return out


def alias_words(word: str) -> list[str]:
    """The words of the other names one word is known by, for search: "trivandrum" -> ["thiruvananthapuram"].

    >>> alias_words("gurgaon"), alias_words("ncr"), alias_words("python")
    (['gurugram'], ['delhi', 'delhi', 'ncr'], [])
    """
    return [w for alias in ALIASES.get(word, ()) for w in re.split(r"[-\s]+", alias) if w]


def forms(name: str) -> list[str]:
    """Regex patterns a document may use for `name` (itself and its aliases)."""
    return [_pattern(n) if not n.isdigit() else n for n in (name, *ALIASES.get(name, ()))]


def mentions(name: str, text: str) -> bool:
    """Does `text` name `name` (or one of its aliases)? An ordinal is named by a range holding it.

    >>> mentions("bengaluru", "Bangalore offers the highest density"), mentions("pune", "Hyderabad & Punekar")
    (True, False)
    >>> mentions("month 12", "Months 11-12: Capstone"), mentions("month 14", "Months 11-12: Capstone")
    (True, False)
    >>> mentions("2024-25", "the FY2024–25 season"), mentions("2024-25", "the 2025-26 season")
    (True, False)
    >>> mentions("month 6-8", "Months 5-6: Serving"), find_names("in months 6-8")
    (True, [('ordinal', 'month 6-8', 'months 6-8')])
    """
    season = re.fullmatch(r"(\d{4})-(\d\d)", name)
    if season:  # "2024-25" is held by "2024–25", "FY2024-25" or "2024-2025"
        first, second = season.groups()
        return re.search(rf"(?<!\d){first}\s?[-–/]\s?(?:{second}|{first[:2]}{second})(?!\d)", text) is not None
    ordinal = re.fullmatch(r"([a-z]+) (\d+)(?:-(\d+))?", name)
    if ordinal:  # "month 6-8" is held by "Months 5-6" or "Month 7"
        unit, first, last = ordinal.group(1), int(ordinal.group(2)), int(ordinal.group(3) or ordinal.group(2))
        for m in _ORDINAL_RANGE.finditer(text):
            low, high = int(m.group(2)), int(m.group(3) or m.group(2))
            if m.group(1).lower() == unit and low <= last and first <= high:
                return True
        return False
    for n in (name, *ALIASES.get(name, ())):
        if n in _CASE_SENSITIVE:  # "US" the country, not "us"
            found = re.search(r"(?<![\w-])" + re.escape(_CASE_SENSITIVE[n]) + r"(?![\w-])", text)
        else:
            found = re.search(r"(?<![\w-])" + (n if n.isdigit() else _pattern(n)) + r"(?![\w-])", text, re.I)
        if found:
            return True
    return False
