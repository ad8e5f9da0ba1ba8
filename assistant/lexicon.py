"""Word lists for reading career questions: synonyms, slots for follow-ups, words that carry no topic.

Data, not logic: query.py and relevance.py read these. Extend them here when users phrase things
the documents word differently ("fresher" for "junior", "CTC" for "salary").
"""

from __future__ import annotations

# A question word (left) also searches for the words on the right.
SYNONYMS: dict[str, str] = {
    "pay": "salary", "paid": "salary", "earn": "salary", "earns": "salary", "earning": "salary", "earnings": "salary",
    "make": "salary", "makes": "salary", "compensation": "salary compensation", "ctc": "salary", "package": "salary",
    "packages": "salary", "lpa": "salary per annum", "income": "salary", "wage": "salary", "wages": "salary",
    "stipend": "salary", "salaries": "salary", "tankhwah": "salary", "kamate": "salary", "kamai": "salary",
    "fresher": "junior 0-2 years", "freshers": "junior 0-2 years", "entry": "junior", "beginner": "junior",
    "beginners": "junior", "graduate": "junior", "graduates": "junior", "newbie": "junior", "juniors": "junior",
    "intermediate": "mid-level 3-5 years", "mid": "mid-level", "midlevel": "mid-level",
    "seniors": "senior", "experienced": "senior", "principal": "senior lead", "staff": "senior lead", "leads": "lead",
    "bengaluru": "bangalore", "blr": "bangalore", "hyd": "hyderabad",
    "city": "bangalore hyderabad pune where", "cities": "bangalore hyderabad pune where", "location": "where",
    "locations": "where", "hub": "where", "hubs": "where", "place": "where",
    "language": "programming", "languages": "programming",
    "framework": "frameworks", "library": "frameworks", "libraries": "frameworks",
    "company": "companies employers corporations", "companies": "employers corporations unicorns startups",
    "employer": "employers", "firms": "companies employers corporations",
    "hire": "employers companies", "hiring": "employers hiring", "recruit": "employers", "recruiters": "employers",
    "skill": "skills", "stack": "skills tech stack", "learn": "skills", "tools": "skills",
    "genai": "generative ai", "gen": "generative", "llm": "llms", "finetune": "fine-tuning", "finetuning": "fine-tuning",
    "wfh": "remote", "home": "remote",
    "noticed": "stand out", "shortlisted": "stand out", "resume": "stand out projects", "portfolio": "projects",
    "deployment": "deploy", "serve": "serving", "production": "deploy", "vectordb": "vector databases",
    "premium": "premium", "backend": "backend developers", "percent": "%", "percentage": "%",
    "trend": "focus shifted", "trends": "focus shifted", "trending": "focus shifted", "demand": "demanded requested",
    "lakh": "salary", "lakhs": "salary", "lac": "salary", "lacs": "salary", "rupees": "salary", "rs": "salary",
    "inr": "salary", "crore": "salary", "cr": "salary", "band": "salary", "bands": "salary", "kamata": "salary",
    "kamati": "salary", "kamate": "salary", "paisa": "salary", "hike": "hike",
    "dev": "developers", "devs": "developers", "developer": "developers", "programmer": "developers",
    "db": "databases", "dbs": "databases", "database": "databases", "tool": "skills", "tooling": "skills",
    "maths": "mathematical", "math": "mathematical", "mathematics": "mathematical", "statistics": "mathematical",
    "dataset": "data", "datasets": "data", "theory": "theoretical", "practical": "real-world engineering",
    "hands": "hands-on", "research": "r&d experimental", "grads": "junior", "zero": "junior", "ladder": "career paths",
    "growth": "career paths", "stability": "job security", "secure": "security", "profile": "stand out",
    "naukri": "jobs", "shahar": "city", "kahan": "where", "remotely": "remote", "startup": "startups",
    "unicorn": "unicorns", "services": "platform cloud", "service": "platform cloud", "paying": "salary",
    "best": "leader highest", "leading": "leader", "biggest": "leader highest",
    "remuneration": "salary compensation", "payout": "salary", "payscale": "salary",
    "take-home": "salary", "earned": "salary", "offered": "salary", "offer": "salary", "offers": "salary",
    "seasoned": "senior", "veteran": "senior", "veterans": "senior", "rookie": "junior", "rookies": "junior",
    "newcomer": "junior", "newcomers": "junior", "starting": "junior", "early": "junior", "associate": "junior",
    "mnc": "global corporations", "mncs": "global corporations", "multinational": "global corporations",
    "multinationals": "global corporations", "corporates": "corporations", "enterprises": "enterprise",
    "bank": "banks", "banking": "banks", "pharma": "novartis", "stable": "job security", "job-security": "job security",
    "poona": "pune", "bengalore": "bangalore", "bangaluru": "bangalore", "hyderbad": "hyderabad",
    "differentiate": "stand out", "edge": "stand out", "competitive": "stand out", "hired": "land hiring",
    "hire-able": "land hiring", "employable": "land hiring", "projects": "projects", "project": "projects",
    "api": "api fastapi", "apis": "api fastapi", "containers": "docker", "container": "docker",
    "containerize": "docker", "orchestration": "kubernetes", "productionize": "deploy", "inference": "serving",
    "tensorflow": "tensorflow", "keras": "tensorflow", "torch": "pytorch", "llama": "llama", "finetuned": "fine-tuning",
    "tuning": "fine-tuning", "vector": "vector databases", "embeddings": "vector databases",
    "certificates": "courses", "bootcamp": "courses", "bootcamps": "courses", "course": "courses",
    "market": "market", "competition": "saturated candidates", "crowded": "saturated", "oversupply": "saturated",
    "theoretical": "theoretical", "academic": "theoretical", "hands-on": "hands-on real-world",
    "hot": "hottest", "hotter": "hottest", "popular": "hottest common", "2026": "2026", "focus": "focus", "priorities": "focus", "shift": "shifted", "mlops": "mlops", "k8s": "kubernetes", "pytorch": "pytorch", "tf": "tensorflow",
}

# Follow-ups swap one of these for another: "And for seniors?" after a question about juniors.
SLOTS: dict[str, set[str]] = {
    "level": {
        "junior", "juniors", "fresher", "freshers", "entry-level", "entry", "beginner", "beginners", "mid", "mid-level",
        "midlevel", "intermediate", "senior", "seniors", "lead", "leads", "experienced", "principal", "staff",
    },
    "city": {
        "bangalore", "bengaluru", "hyderabad", "pune", "chennai", "mumbai", "delhi", "ncr", "noida", "gurgaon",
        "gurugram", "kolkata", "ahmedabad", "kochi", "jaipur", "chandigarh", "indore", "coimbatore", "trivandrum",
        "mysore", "nagpur", "lucknow", "bhubaneswar", "vizag", "goa",
    },
    "role": {
        "ml engineer", "ml engineers", "machine learning engineer", "machine learning engineers", "data scientist",
        "data scientists", "data engineer", "data engineers", "data analyst", "data analysts", "software engineer",
        "software engineers", "backend developer", "backend developers", "devops engineer", "devops engineers",
        "ai engineer", "ai engineers", "mlops engineer", "mlops engineers", "research scientist", "research scientists",
    },
}

# Named things: a question about one the documents never mention is not covered, however close the rest.
ENTITIES: set[str] = SLOTS["city"] | {
    "india", "usa", "us", "america", "uk", "london", "dubai", "singapore", "germany", "canada", "europe", "australia",
    "google", "microsoft", "amazon", "meta", "apple", "flipkart", "swiggy", "zomato", "infosys", "tcs", "wipro",
    "novartis", "paytm", "ola", "uber", "razorpay", "nvidia", "openai", "accenture", "deloitte", "meesho", "cred",
}

# Words that say nothing about the topic: question words, filler, Hinglish glue, the domain itself.
STOPWORDS: set[str] = set(
    """a about above after again all also am an and any anything are as at be because been being best better big
    biggest but by can could did do does doing done for from get gets getting give go going good got great had has
    have having he her here hers him his how i if in into is it its just know let like likely look looking main many
    may me mean more most much must my need needs new next no nor not now of on one only or other our out over per
    please really right say see should show so some someone something still such sure tell than thank thanks that the
    their them then there these they thing things think this those through to too top typical typically up us usual
    usually very want wants was way we well were what whats when where which while who whom why will with would yes
    you your yours kya ka ki ke ko hai hain hota hoti hote kitni kitna kitne kaise kaun kaunsa kaunsi sa se mein me
    liye aur bhi koi mujhe batao bata milta milti milega sabse wala wali abhi yaar bhai
    ml machine learning engineer engineers engineering job jobs role roles india indian career careers work working
    field guide document documents expect expected important popular common required requires require ask asked
    currently current nowadays today average range ranges level levels year years experience exp yrs yr kind type
    types person people someone guy guys saal
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
    include includes including contain contains involve involves baad pehle saath abhi kab raha rahe rahi
    hi hello hey hii namaste thanks thank bye goodbye please welcome cheers
    percentage percent nature long short far wide deep fast slow
    kaisa kaise kis kisko kab kyun kyu zaruri zaroori chahiye sakta sakte sakti karna karne karo hona hoga hogi wala
    wale acha accha achha theek thik log logon unko inko apna apni mera meri tum aap hum yeh ye woh wo kuch sab
    bahut zyada jyada par pe tak toh""".split()
)
