"""Categories by topic, not by website: keyword rules over what a document is about.

Every rule names a category path (parent first) and the word stems that point to it. A document
scores each rule by where its stems occur (the focus counts most, the start of the first answer
less); the best score wins, ties going to the rule listed first. The source of a document is a
hint that competes with the words, and the fallback when no word matches. Drug and herb leaflets
are decided by their source: they are about a substance, whatever condition they mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str, ...]

CANCER: Path = ("Cancer",)
HEART: Path = ("Heart and blood vessels",)
BLOOD: Path = ("Blood and immune system",)
LUNGS: Path = ("Lungs and breathing",)
BRAIN: Path = ("Brain and nerves",)
MENTAL: Path = ("Mental health",)
DIGESTIVE: Path = ("Digestive health",)
KIDNEYS: Path = ("Kidneys and urinary tract",)
HORMONES: Path = ("Diabetes, hormones and metabolism",)
INFECTIONS: Path = ("Infections",)
GENETIC: Path = ("Genetic and rare conditions",)
PREGNANCY: Path = ("Pregnancy and women's health", "Pregnancy")
WOMEN: Path = ("Pregnancy and women's health", "Women's health")
MEN: Path = ("Men's health",)
CHILDREN: Path = ("Children's health",)
BONES: Path = ("Bones, joints and muscles",)
SKIN: Path = ("Skin",)  # hair and nails too; named as in the demo content
EYES: Path = ("Eyes and ears", "Eyes")
ENT: Path = ("Eyes and ears", "Ears, nose and throat")
MOUTH: Path = ("Mouth and teeth",)
INJURIES: Path = ("Injuries, poisoning and first aid",)
MEDICINES: Path = ("Medicines and supplements", "Medicines")
HERBS: Path = ("Medicines and supplements", "Herbs and supplements")
TESTS: Path = ("Tests, care and healthy living", "Tests and procedures")
CARE: Path = ("Tests, care and healthy living", "Health care and caregiving")
LIVING: Path = ("Tests, care and healthy living", "Healthy living")
OTHER: Path = ("Other health topics",)


@dataclass(frozen=True)
class Rule:
    path: Path
    stems: str  # `|`-separated regular expressions, matched at a word start, any case


# Order matters only for ties: the more specific topics come first.
RULES: tuple[Rule, ...] = (
    Rule(CANCER, r"cancer|tumou?r|carcinoma|lymphoma|leukaemia|leukemia|melanoma|sarcoma|"
                 r"\w*blastoma|myeloma|neoplas|oncolog|metasta|chemotherap|malignan"),
    Rule(MENTAL, r"depressi|anxiety|mental(?! retardation| deficiency| deterioration)|psychi|"
                 r"psychos|psychotic|schizophren|bipolar|panic|phobia|obsessive|"
                 r"post-?traumatic|ptsd|eating disorder|anorexia nervosa|bulimia|suicid|"
                 r"alcohol(?!\w* poisoning)|drinking (?:problem|alcohol)|drug (?:ab)?use|"
                 r"substance (?:ab)?use|addict|adhd|attention deficit|autis|"
                 r"personality disorder|behavio|grief|anger|agitation|withdrawal|marijuana|"
                 r"electroconvulsive|stress(?! (?:urinary )?incontinence| fracture| test)"),
    Rule(PREGNANCY, r"pregnan|prenatal|antenatal|childbirth|labou?r\b|delivery|postpartum|"
                    r"miscarriage|cesarean|caesarean|c-section|breastfe|breast milk|fetal|fetus|"
                    r"placent|ectopic pregnancy|eclampsia|preeclampsia|pre-eclampsia|gestation|"
                    r"infertil|fertility|amniocentesis|amniotic|hydramnios|trimester|breech|"
                    r"chorionic|macrosomia|morning sickness|midwife|intrauterine growth|abortion"),
    # A test or procedure ("Cervical spine CT scan") goes here rather than to the organ.
    Rule(TESTS, r"tests?\b|testing|exam\b|examination|scans?\b|x-ray|mri\b|ct\b|biopsy|"
                r"ultrasound|screening|surger|surgical|\w+ectomy|\w+plasty|\w+otomy|\w*ostomy|"
                r"\w+oscopy|\w+graphy|\w+centesis|transplant|repair|anesthe|catheter|procedure|"
                r"culture|serology|panel|assay|titer|stain\b|sampling|monitoring|intubation|"
                r"drain\b|graft|implant|liposuction|laser|\w+(?<!pr)ogram\b|levels?\b|"
                r"count\b|radiation therapy|feeding tube|amputation"),
    Rule(INJURIES, r"poison|overdose|injur|wound|burns?\b|bites?\b|stings?\b|cuts?\b|"
                   r"first aid|emergenc|choking|drowning|heat stroke|heat exhaustion|"
                   r"frostbite|hypothermia|dislocat|trauma|accident|ingestion|swallowed|"
                   r"toxins?\b|pesticide|insecticide|lead exposure|spider|insect|centipede|"
                   r"caterpillar|chiggers|fleas|fire ants|scorpion|sharps|heimlich|splint|"
                   r"sling\b|shock\b|cleaners?\b|hurricane|tornado|earthquake|flood|disaster|"
                   r"hazardous|hangover"),
    Rule(WOMEN, r"menstrua|menopaus|ovar|uter|cervix|pap (?:smear|test)|vagin|vulv|breast|"
                r"mammogra|endometri|pelvic|hysterect|contracepti|birth control|women|"
                r"period pain|premenstrual|amenorrhea|iud\b|intrauterine device|mittelschmerz|"
                r"nabothian|female"),
    Rule(MEN, r"prostat|testic|testis|testes|scrot|penis|penile|erectile|vasectomy|"
              r"circumcision|gynecomastia|\bmen\b|male infertility|ejaculat|epididym|balanitis"),
    Rule(HEART, r"heart(?!burn)|cardi|coronary|arter|aort|vascular|vein|venous|blood pressure|"
                r"hypertensi|hypotensi|cholesterol|angina|arrhythm|atrial|aneurysm|embol|"
                r"varicose|raynaud|vasculitis|palpitation|murmur|endocarditis|pericard|"
                r"myocard|electrocardiogra|circulat|triglycerid|mitral|tachycard|bradycard|"
                r"chest pain|faint|syncope|livedo|lipoprotein|statins?\b"),
    Rule(LUNGS, r"lungs?\b|pulmonar|respirat|(?<!bad )breath|asthma|bronch|pneumon|copd|"
                r"emphysema|cough|cystic fibrosis|apnea|airway|pleur|trache|wheez|"
                r"\w*ventilat|inhaler|nebulizer|peak flow|hemothorax|aspiration|oxygen"),
    Rule(BRAIN, r"brain|neur|nerv|spinal cord|seizure|epilep|migraine|headache|"
                r"(?<!heat )stroke|dementia|alzheimer|parkinson|multiple sclerosis|palsy|"
                r"ataxia|myasthenia|concussion|mening|encephal|hydroceph|sleep|insomnia|"
                r"hypersomnia|narcolepsy|tremor|paralys|paresis|memory|cerebr|sciatica|"
                r"carpal tunnel|restless legs|tourette|tics?\b|dyslexia|coma\b|spina bifida|"
                r"huntington|amyotrophic|\bals\b|reflex|numbness|tingling|myelin|"
                r"leukodystroph|intracranial|cranial|posture|subdural|brachial plexus|"
                r"aphasia|apraxia|motor control|movement"),
    Rule(DIGESTIVE, r"digest|stomach|gastr|intestin|bowel|colon|colorectal|rectal|rectum|"
                    r"anal\b|anus|esophag|liver|hepat|pancrea|gallbladder|gallstone|bile|"
                    r"biliary|celiac|coeliac|crohn|colitis|peptic|constipat|diarrh|vomit|"
                    r"nausea|heartburn|reflux|gerd|hemorrhoid|appendic|abdom|swallow|"
                    r"lactose|cirrhosis|jaundice|stool|feces|hernia|diverticul|flatulence|"
                    r"belch|indigestion|malabsorption|cholecyst|cholang|cholesta|duoden|"
                    r"ileum|jejun|enteritis|enterocolitis|appetite|fistula|hiccup|ascites"),
    Rule(KIDNEYS, r"kidney|renal|nephr|urin|\w+uria\b|bladder|urethr|ureter|incontinen|"
                  r"dialysis|urolog|glomerul|cystitis|bedwetting|enuresis|uropathy"),
    Rule(HORMONES, r"diabet|insulin|glucose|blood sugar|thyroid|hormon|adrenal|pituitar|"
                   r"endocrin|metabol|cushing|addison|hypoglyc|hyperglyc|prolactin|"
                   r"lipodystrophy|porphyri|glycogen|lysosomal|obes|acromegaly|parathyroid|"
                   r"graves|goiter|gonad|hypothalam|calc(?:ium|emia)|acidosis|alkalosis|"
                   r"electrolyte|dehydrat|galactosemia|gaucher|niemann|acidemia|amino acid|"
                   r"enzyme|fluid|sodium|potassium|body mass index|temperature|intolerance"),
    Rule(BLOOD, r"blood|anemi|anaemi|hemoglobin|haemoglobin|bleeding|hemophilia|haemophilia|"
                r"thalass|sickle|platelet|thrombo|neutropen|coagula|willebrand|polycythemia|"
                r"lymph|spleen|splen|immun(?!iz)|allerg|lupus|sarcoidosis|anaphyla|"
                r"transfusion|bone marrow|hemochromatosis|factor (?:[ivx]+|[0-9]+)\b|antibod|"
                r"antigen|globulin|granulocyt|hematocrit|hemoly|eosinophil|complement|"
                r"dyscrasia|graft-versus-host|histiocyt|methemoglobin|angioedema|hla-"),
    Rule(BONES, r"bones?\b|joints?\b|muscle|muscul|arthrit|osteo|spine|vertebra|back pain|"
                r"neck pain|fracture|tendon|ligament|cartilage|gouty?\b|scoliosis|sprain|knee|"
                r"hips?\b|shoulder|ankle|foot|feet|wrist|finger|elbow|rheumat|fibromyalgia|"
                r"bursitis|tendinitis|skelet|myopathy|myositis|myotonia|dystroph|dwarfism|"
                r"limb|bunion|toes?\b|heel|legs?\b|arms?\b|hand\b|lordosis|kyphosis|spondyl|"
                r"perthes|blount|bowlegs|knock knees|diskitis|range of motion|brace\b|"
                r"still's disease|fasciitis|chiropract"),
    Rule(SKIN, r"skin|derma|rash|eczema|psoriasis|acne|hives|urticaria|warts?\b|moles?\b|"
               r"hair|nails?\b|itch|blister|sunburn|rosacea|vitiligo|albinism|ichthyosis|"
               r"epidermolysis|cellulitis|impetigo|scabies|sweat|pressure sore|bedsore|"
               r"scars?\b|scarring|keloid|cutaneous|bruis|blackhead|whitehead|milia\b|boils?\b|"
               r"lichen|keratosis|calluses|corns\b|cellulite|erythema|macule|intertrigo|"
               r"folliculitis|alopecia|acanthosis|granuloma annulare|eschar|bullae|bullous|"
               r"pemphig|ecthyma|erythrasma|chapped|birthmark|hemangioma|nevus|freckle|lipoma"),
    Rule(EYES, r"eyes?\b|vision|visual|blind|retin|macula|glaucoma|cataract|cornea|optic|"
               r"ocular|conjunctiv|uveitis|strabismus|amblyopia|eyelid|pupil|myopia|"
               r"ophthalm|sight|astigmatism|farsighted|nearsighted|presbyopia|tear duct|"
               r"chalazion|stye|ectropion|entropion|kerat(?:oconus|itis)|hyphema|iris\b|"
               r"choroid|ciliary body|scler(?:a|itis)|episcleritis|epicanthal|dacryo|meibom|"
               r"nystagmus|lacrimal|uvea"),
    Rule(ENT, r"ears?\b|hearing|deaf|tinnitus|otitis|nose|nasal|sinus|throat|laryn|voice|"
              r"tonsil|smell|vertigo|dizz|vestibular|meniere|ménière|mnires|snor|mastoid|"
              r"cholesteatoma|adenoid|epiglott|ethmoid|cochlea|eustachian|rhin|nosebleed"),
    Rule(MOUTH, r"mouth|oral|(?<!marie-)tooth|teeth|dental|dentist|denture|gums?\b|gingiv|"
                r"tongue|saliva|canker|jaw|cleft|lips?\b|halitosis|bad breath|herpangina"),
    Rule(CHILDREN, r"infan|newborn|neonat|baby|babies|child|pediatric|paediatric|toddler|"
                   r"adolescen|teen|puberty|school|tantrum|well-child|growth chart|"
                   r"developmental milestone|fontanel|head circumference|nicu|colic|"
                   r"failure to thrive|day care|caput succedaneum"),
    Rule(INFECTIONS, r"infect|viral|virus|bacteri|fung|parasit|worm|vaccin|immuniz|flu\b|"
                     r"influenza|hiv\b|aids\b|herpes|hepatitis|tuberculosis|malaria|"
                     r"sexually transmitted|std\b|chlamydia|gonorrh|syphilis|gumma|measles|"
                     r"mumps|rubella|\w*pox|sepsis|septic|lyme|ticks?\b|tick-borne|rabies|"
                     r"tetanus|pertussis|diphtheria|polio|meningococc|pneumococc|staph|strep|"
                     r"e\. coli|salmonell|listeri|botulism|lice\b|mrsa|fever|amoeb|ameb|"
                     r"plague|cholera|typhoid|zika|ebola|dengue|toxoplasm|\w*mycosis|"
                     r"\w+iasis\b|abscess|brucell|chagas|leprosy|mononucleosis|kuru|prion|"
                     r"common cold|echinococc|cysticerc|ehrlichi|erysipel|gangrene|molluscum|"
                     r"histoplasm|cryptococc|cryptosporid|blastomyc|isolation precautions|"
                     r"contagio|anaerob|aerobic"),
    Rule(GENETIC, r"genetic|genes?\b|inherit|hereditary|chromosom|congenital|mutation|"
                  r"trisomy|deletion|familial|rare disease|syndrome"),
    Rule(CARE, r"hospital|hospice|home care|caregiv|nurs(?:e|ing)|doctor|health plan|"
               r"insurance|medicare|patients?\b|informed consent|advance (?:care )?directive|"
               r"do-not-resuscitate|care provider|health information|medical research|"
               r"health disparities|patient rights|end of life|prolong life|chronic illness"),
    Rule(LIVING, r"nutrition|diet|food|eating|exercis|fitness|physical activity|weight|"
                 r"vitamin|mineral|smok|tobacco|e-cigarette|aging|older adults|wellness|"
                 r"safety|travel|check-?up|healthy|prevention|dietary fat|\w*saturated fats|"
                 r"cooking oils|carbohydrate|fiber|calorie|climate|bedtime habits|iron\b|iodine"),
    Rule(MEDICINES, r"medicines?\b|medication|drugs?\b|prescription|pharmac|antibiotic|"
                    r"over-the-counter|pain reliever|inhibitors?\b|fibrates|heparin|shots?\b"),
    Rule(HERBS, r"herb|supplement|botanical"),
)

# Where a stem occurs, what each distinct matching word is worth, and how many count. The
# focus names the condition or drug itself; the MedQuAD question texts mostly repeat it ("What
# causes X?"); the start of the answer says what X is ("X is a rare disorder of the skin ...").
WEIGHTS: dict[str, tuple[int, int]] = {
    "focus": (5, 1),
    "synonyms": (2, 2),
    "questions": (1, 1),
    "answer": (2, 2),
}

# UMLS semantic types that name a topic (MedQuAD's FocusAnnotations): neoplastic process,
# mental or behavioral dysfunction, injury or poisoning, congenital abnormality.
SEMANTIC_TYPES: dict[str, tuple[Path, int]] = {
    "T191": (CANCER, 3),
    "T048": (MENTAL, 3),
    "T037": (INJURIES, 3),
    "T019": (GENETIC, 1),
}

# What a subset is about, as a hint (weight) that competes with the words and is the fallback.
SOURCE_HINTS: dict[str, tuple[tuple[Path, int], ...]] = {
    "CancerGov": ((CANCER, 3),),
    "GARD": ((GENETIC, 4),),
    "GHR": ((GENETIC, 4),),
    "NINDS": ((BRAIN, 3),),
    "NHLBI": ((HEART, 2), (LUNGS, 2), (BLOOD, 2)),
    "NIDDK": ((DIGESTIVE, 2), (KIDNEYS, 2), (HORMONES, 2)),
    "CDC": ((INFECTIONS, 4),),
}

# Subsets whose every document is about a substance: the source decides.
SOURCE_DECIDES: dict[str, Path] = {"MPlusDrugs": MEDICINES, "MPlusHerbsSupplements": HERBS}

# MedQuAD's question templates ("Do I need to see a doctor for X ?") say nothing about X, and
# some contain stems ("doctor", "safety", "inherited"): only the X of a templated question counts.
QUESTION_TEMPLATES = (
    "what is (are) X", "what is X", "what are the symptoms of X", "what are the treatments for X",
    "what causes X", "what is the outlook for X", "do you have information about X",
    "how to diagnose X", "do i need to see a doctor for X", "is X inherited",
    "are there safety concerns or special precautions about X",
    "what are the side effects or risks of X", "what other information should i know about X",
    "who should get X and why is it prescribed", "how should X be used and what is the dosage",
    "what are the brand names of combination products of X", "what are the brand names of X",
    "how to prevent X", "what to do in case of emergency or overdose of X",
    "what are the complications of X", "how many people are affected by X",
    "what should i know about storage and disposal of X",
    "what should i do if i forget a dose of X",
    "what special dietary instructions should i follow with X",
    "what are the genetic changes related to X", "what to do for X", "who is at risk for X",
    "what important warning or information should i know about X",
    "what research (or clinical trials) is being done for X", "what research is being done for X",
    "where to find support for people with X", "what is the dosage of X", "how effective is X",
    "what is the action of X and how does it work",
    "are there interactions between X and other medications",
    "are there interactions between X and herbs and supplements",
    "are there interactions between X and foods", "what are the stages of X",
    "how can i learn more about X", "what to do in case of a severe reaction to X",
    "who should not get X and what are its contraindications", "why get vaccinated with X",
    "is there any treatment for X", "what is the prognosis for X",
)
_TEMPLATE = re.compile(
    "|".join(
        "^" + re.escape(t).replace("X", "(.*)").replace(r"\ ", r"\s+") + r"[\s?.]*$"
        for t in QUESTION_TEMPLATES
    )
)
# Texts are lower-cased once, so the patterns need no IGNORECASE (twice as fast).
_COMPILED = tuple((rule.path, re.compile(rf"(?<!\w)(?:{rule.stems})")) for rule in RULES)
_ORDER = {rule.path: i for i, rule in enumerate(RULES)}


def _alternatives(stems: str) -> list[str]:
    """The top-level `|` branches of a pattern (not those inside groups)."""
    parts, current, depth, i = [], "", 0, 0
    while i < len(stems):
        char = stems[i]
        if char == "\\":
            current, i = current + stems[i : i + 2], i + 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [*parts, current]


def _by_first_letter(alternatives: list[str]) -> str:
    """One pattern for all branches, grouped by their first letter: the engine then tries a few
    dozen branches at each word instead of all of them (5x faster over MedQuAD)."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for alt in alternatives:
        if alt[:1].isalnum() and alt[:1] == alt[:1].lower():
            groups.setdefault(alt[0], []).append(alt[1:])
        else:
            others.append(alt)
    branches = [f"{first}(?:{'|'.join(rest)})" for first, rest in sorted(groups.items())]
    return "|".join(branches + others)


# Where any rule matches: only there is each rule's own pattern tried.
_ANY = re.compile(
    rf"(?<!\w)(?=(?:{_by_first_letter([a for r in RULES for a in _alternatives(r.stems)])}))"
)


def _words(text: str) -> dict[Path, set[str]]:
    """The words of `text` each rule matches (at word starts)."""
    found: dict[Path, set[str]] = {}
    for candidate in _ANY.finditer(text):
        start = candidate.start()
        for path, pattern in _COMPILED:
            match = pattern.match(text, start)
            if match:
                found.setdefault(path, set()).add(match.group(0))
    return found


def topic_scores(
    *,
    source_key: str,
    focus: str,
    synonyms: Iterable[str] = (),
    questions: Iterable[str] = (),
    answer_start: str = "",
    semantic_types: Iterable[str] = (),
) -> dict[Path, int]:
    """How strongly each category path fits a document (only paths that score)."""
    fields = {
        "focus": focus.lower(),
        "synonyms": " | ".join(synonyms).lower(),
        "questions": " | ".join(question_subjects(questions, focus=focus)),
        "answer": answer_start.lower(),
    }
    scores: dict[Path, int] = {}
    for name, (weight, most) in WEIGHTS.items():
        for path, words in _words(fields[name]).items() if fields[name] else ():
            scores[path] = scores.get(path, 0) + weight * min(len(words), most)
    for semantic_type in semantic_types:
        if semantic_type in SEMANTIC_TYPES:
            path, weight = SEMANTIC_TYPES[semantic_type]
            scores[path] = scores.get(path, 0) + weight
    for path, weight in SOURCE_HINTS.get(source_key, ()):
        scores[path] = scores.get(path, 0) + weight
    return scores


def question_subjects(questions: Iterable[str], *, focus: str = "") -> list[str]:
    """What templated questions ask about, lower-cased, without repeats of the focus."""
    subjects: dict[str, None] = {}
    skip = {"", focus.lower().strip()}
    for question in questions:
        text = " ".join(question.lower().split())
        found = _TEMPLATE.match(text)
        if found:
            text = next((g for g in found.groups() if g is not None), "").strip(" ?")
        if text not in skip:
            subjects[text] = None
    return list(subjects)


def topic_for(
    *,
    source_key: str,
    focus: str,
    synonyms: Iterable[str] = (),
    questions: Sequence[str] = (),
    answer_start: str = "",
    semantic_types: Iterable[str] = (),
) -> Path:
    """The category path (parent first) of a MedQuAD document."""
    if source_key in SOURCE_DECIDES:
        return SOURCE_DECIDES[source_key]
    scores = topic_scores(
        source_key=source_key,
        focus=focus,
        synonyms=synonyms,
        questions=questions,
        answer_start=answer_start,
        semantic_types=semantic_types,
    )
    if not scores:
        return OTHER
    return max(scores, key=lambda path: (scores[path], -_ORDER.get(path, len(_ORDER))))
