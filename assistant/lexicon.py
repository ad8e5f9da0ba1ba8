"""Word lists for reading career questions: general synonyms, slots for follow-ups, words with no topic.

Data, not logic. Every entry must hold for any document about tech careers in India (pay words,
Indian money notation, levels, abbreviations, Hinglish); mapping question words onto one document's
phrasing is a test fitted into the code, and the evidence step (meaning similarity) does that job.
Named places, employers and roles live in names.py.
"""

from __future__ import annotations

from .names import EMPLOYERS, PLACES, ROLES

# A question word (left) also searches for the words on the right. Only knowledge that holds for any
# document of the field: pay words, Indian money notation, experience levels, common abbreviations
# and spellings, Hinglish. Never a phrase of one document: meaning is the embedding model's job.
SYNONYMS: dict[str, str] = {
    # pay and Indian money notation
    "pay": "salary", "paid": "salary", "paying": "salary", "earn": "salary", "earns": "salary", "earning": "salary",
    "earnings": "salary", "earned": "salary", "salaries": "salary", "compensation": "salary compensation",
    "remuneration": "salary compensation", "ctc": "salary ctc", "package": "salary ctc", "packages": "salary ctc",
    "income": "salary", "wage": "salary", "wages": "salary", "stipend": "salary stipend", "payscale": "salary",
    "take-home": "salary", "lpa": "salary lpa lakh", "lakh": "salary lpa lakh", "lakhs": "salary lpa lakh",
    "lac": "salary lakh", "lacs": "salary lakh", "crore": "salary crore", "cr": "crore", "rupees": "salary inr",
    "rs": "salary inr", "inr": "salary inr",
    # experience levels
    "fresher": "junior entry-level 0-2 years", "freshers": "junior entry-level 0-2 years", "entry": "junior",
    "beginner": "junior", "beginners": "junior", "graduate": "junior fresher", "graduates": "junior fresher",
    "grads": "junior fresher", "newbie": "junior", "newcomer": "junior", "rookie": "junior", "juniors": "junior",
    "intermediate": "mid-level", "mid": "mid-level", "midlevel": "mid-level", "seniors": "senior",
    "experienced": "senior", "seasoned": "senior", "veteran": "senior", "principal": "senior lead",
    "staff": "senior lead", "leads": "lead",
    # common abbreviations and spellings of the field
    "wfh": "remote work from home", "yoe": "years experience", "exp": "experience", "mle": "ml engineer",
    "sde": "software engineer", "swe": "software engineer", "ds": "data science", "pm": "product manager",
    "jd": "job description", "qa": "testing tester quality", "hr": "human resources recruiter", "mnc": "multinational", "mncs": "multinational", "k8s": "kubernetes",
    "tf": "tensorflow", "genai": "generative ai", "gen": "generative", "llm": "llms", "llms": "llm",
    "finetune": "fine-tuning", "finetuning": "fine-tuning", "fine-tune": "fine-tuning", "vectordb": "vector database",
    "db": "database", "dbs": "databases", "ai/ml": "ai ml", "cv": "resume computer vision", "nlp": "natural language",
    "bengaluru": "bangalore", "blr": "bangalore", "hyd": "hyderabad", "bombay": "mumbai", "gurugram": "gurgaon",
    "maths": "math mathematics", "math": "maths mathematics", "stats": "statistics",
    "oa": "online assessment test", "ppo": "pre-placement offer", "gcc": "global capability centre",
    "gccs": "global capability centres", "esop": "stock options", "esops": "stock options",
    # Indian English of careers: a hike is a raise, scope is prospects
    "hike": "raise increase", "hikes": "raise increase", "appraisal": "review raise", "scope": "opportunities prospects demand",
}

# Hinglish words as English, for the question the embedding model reads (it knows English far
# better): glue words become the English word or nothing, content words their English meaning.
# A word whose English is a stop word is one too; the others search for their English (SYNONYMS).
HINGLISH: dict[str, str] = {
    **dict.fromkeys("ka ki ke ko hai hain hota hoti hote sa raha rahe rahi hona hoga hogi wala wali wale toh bhi "
                    "yaar bhai batao bata abhi koi log logon unko inko".split(), ""),
    "liye": "for", "kisko": "whom", "tum": "you", "aap": "you", "hum": "we", "yeh": "this", "ye": "this",
    "woh": "that", "wo": "that", "apni": "own",
    "kya": "what", "kitna": "how much", "kitni": "how much", "kitne": "how many", "kaise": "how", "kaisa": "how",
    "kaun": "which", "kaunsa": "which", "kaunsi": "which", "kis": "which", "kab": "when", "kyun": "why", "kyu": "why",
    "kahan": "where", "sabse": "most", "aur": "and", "mein": "in", "me": "in", "se": "from", "saath": "with",
    "baad": "after", "pehle": "before", "zyada": "more", "jyada": "more", "kam": "less", "chahiye": "need",
    "zaruri": "necessary", "zaroori": "necessary", "milta": "get", "milti": "get", "milega": "get",
    "sakta": "can", "sakte": "can", "sakti": "can", "mujhe": "I", "mera": "my", "meri": "my", "apna": "own",
    "karna": "do", "karne": "do", "karo": "do", "par": "on", "pe": "on", "tak": "until", "bahut": "very",
    "acha": "good", "accha": "good", "achha": "good", "theek": "fine", "thik": "fine", "kuch": "some", "sab": "all",
    "saal": "years", "sal": "years", "naukri": "jobs", "shahar": "city", "tankhwah": "salary", "kamai": "earnings",
    "kamate": "earn", "kamata": "earns", "kamati": "earns", "badha": "grew", "badhe": "grew", "badhi": "grew",
    "ghata": "fell", "ghate": "fell", "ghati": "fell", "mahina": "month", "mahine": "months", "ghante": "hours",
    "din": "days", "chutti": "leave", "chhutti": "leave", "seekhna": "learn", "kaam": "work", "paisa": "money",
}

# Words that name the kind of answer wanted: "which cities…?" is answered by a line naming a place.
ANSWER_KINDS: dict[str, str] = {
    **dict.fromkeys("city cities town towns location locations place places hub hubs metro metros shahar".split(), "place"),
    **dict.fromkeys("company companies employer employers firm firms organisation organisations organization "
                    "organizations mnc mncs recruiter recruiters".split(), "employer"),
}

# Words that ask for one end of a range: "the ceiling", "starting pay".
FOCUS_HIGH = frozenset("ceiling max maximum highest top upper peak cap most largest biggest costliest priciest".split())
FOCUS_LOW = frozenset("floor minimum min lowest starting bottom least cheapest smallest fewest".split())

# Follow-ups swap one of these for another: "And for seniors?" after a question about juniors.
SLOTS: dict[str, set[str]] = {
    "level": {
        "junior", "juniors", "fresher", "freshers", "entry-level", "entry", "beginner", "beginners", "mid", "mid-level",
        "midlevel", "intermediate", "senior", "seniors", "lead", "leads", "experienced", "principal", "staff", "intern",
        "interns",
    },
    "city": {name.replace("-", " ") for name in PLACES},
    "role": {name.replace("-", " ") for name in ROLES} | {name.replace("-", " ") + "s" for name in ROLES},
    # Kinds of employer and tiers, as Indian tech-career writing names them: "what about startups?"
    # after a question about MNCs asks the same of startups.
    "employer kind": {
        "startup", "startups", "early-stage startup", "early-stage startups", "growth-stage startup", "growth-stage startups",
        "mnc", "mncs", "multinational", "multinationals", "gcc", "gccs", "global capability centre", "global capability centres",
        "it services", "it services firms", "it services companies", "service companies", "product company", "product companies",
        "consultancy", "consultancies", "unicorn", "unicorns", "big tech", "faang",
    },
    "tier": {f"tier{sep}{n}" for sep in (" ", "-", "") for n in ("1", "2", "3", "i", "ii", "iii", "one", "two", "three")},
}

# Single-word names (places, employers): a near-spelling is never "corrected" into another name.
ENTITIES: set[str] = {name for name in PLACES | EMPLOYERS if "-" not in name}

# Words that say nothing about the topic: question words, filler, Hinglish glue, the domain itself.
STOPWORDS: set[str] = set(
    """a about above after again all also am an and any anything are as at be because been being best better big
    biggest but by can could did do does doing done for from get gets getting give go going good got great had has
    have having he her here hers him his how i if in into is it its just know let like likely look looking main many
    may me mean more most much must my need needs new next no nor not now of on one only or other our out over per
    please really right say see should show so some someone something still such sure tell than thank thanks that the
    their them then there these they thing things think this those through to too top typical typically up us usual
    usually very want wants was way we well were what whats when where which while who whom why will with would yes
    you your yours
    ml machine learning engineer engineers engineering job jobs role roles india indian career careers work working
    field guide document documents expect expected important popular common required requires require ask asked
    currently current nowadays today average range ranges level levels year years experience exp yrs yr kind type
    types person people someone guy guys
    apart besides beyond names name named take takes taking apply applying applied available availability care cares
    compare compared comparison difference differ vs versus enough finished finish folks normal idea realistic
    mention mentioned mentions necessary needed essential pick choose choosing prefer preferred proper start starting
    started show shows showing worth matter matters become becoming deal moved move still actually exactly generally
    mostly sort stuff lot lots high higher highest low lower lowest less least bigger small smaller large larger nice
    fine able possible expecting wanted wish love help helps helpful useful use used using bad worse worst hard easy
    easier difficult tough wrong true false real major key mandatory find finding knowing known study studying seem
    seems try trying tried keep put says said tell answer explain describe list whether either neither both each
    every same different various several few own else too quite rather pretty even ever never always often
    sometimes maybe perhaps probably already yet soon recent recently latest old last first second third two three
    four five typical generally basically honestly straight quick quickly brief briefly overall general specific
    particular certain enough okay consider considered considering worthwhile matter clear clearly plus minus
    include includes including contain contains involve involves
    hi hello hey hii namaste thanks thank bye goodbye please welcome cheers
    percentage percent nature long short far wide deep fast slow""".split()
)
STOPWORDS |= {word for word, english in HINGLISH.items() if set(english.lower().split()) <= STOPWORDS}
SYNONYMS.update({word: f"{english} {SYNONYMS.get(english, '')}".strip()
                 for word, english in HINGLISH.items() if word not in STOPWORDS})
