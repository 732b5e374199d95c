"""Text normalisation shared by the matcher and the bank indexer: one definition of a 'word'."""

from __future__ import annotations

import re
from functools import lru_cache

_SLACK_TOKEN = re.compile(r"<[@#!][^>]*>|<https?://[^>]*>|https?://\S+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Phrases that frame a question without saying what it is about. Longest first, whole words only.
# 'explain' is framing only at the edges ("explain X", "X explained"); inside a question it is a content verb.
_FILLER = re.compile(
    r"\b(?:"
    r"what(?:'s| is| are)? the (?:main |key |big )?differences? (?:in|between|of|with|for|re)"
    r"|how (?:is|are|does|do) .{0,20}? differ"
    r"|between research and production|research (?:vs|versus|and|or|to|v) (?:prod|production|industry)"
    r"|in research|in production|in prod|in academia|in industry"
    r"|hey bot|hi bot|quick question|can you (?:explain|tell me)|tell me about|tell me"
    r")\b"
    r"|^\W*(?:please |pls )?explain(?: to me)?\b|\bexplained\W*$"
)

STOPWORDS = frozenset(
    """
    a about all also am an and any are as at be been being but by can could did do does doing done for from
    get gets getting got had has have having he her here hey hi how i if in into is it its just lol me more
    most my need needs no not of on one or our out pls please quick re really she should so some tell than
    thanks that the their them then there these they thing things this those to too u us vs v versus was we
    were what whats when where which while who whom why will with would ya yeah yes you your question
    questions bot tutor difference differences different differ between research researcher researchers
    production prod ml ai machine learning academic academics academia much many new look looking keep keeps over under
    still even ever always never get make makes use way like know want wants see go goes going take takes say
    said lot lots ok okay anyone someone something everything anything again already actually basically
    literally exactly kind sort yet each im ive id youre dont doesnt didnt isnt arent wasnt cant wont shouldnt
    wouldnt couldnt theres thats hello hiya thx ty pl eg ie etc vs via per every ca nt ll ve
    """.split()
)

# Frequent words of everyday English that say little about which topic is meant. They still count, but
# weakly, both as evidence for a topic and as 'unknown' evidence against the question being on-subject.
COMMON_WORDS = frozenset(
    """
    after before first last next other another same own such only just also well back down up off
    very quite pretty fine good great bad better best worse worst big small large little long short
    high low higher lower early late later old young whole full part half main sure true false
    real actual actually certain clear possible likely able free right wrong hard easy
    come came coming give gave given put set find found feel felt think thought try tried work worked
    working works seem seems seemed help helps let lets mean means meant call called show shows shown
    happen happens happened happening matter matters start started stop stopped leave left turn run
    running ask asked asking talk talking bring brought hold keep kept become became write written
    wrote read move moving live pay play stand change changes changing follow followed
    day days week weeks month months year years today tomorrow yesterday morning night hour hours
    minute minutes moment now then soon ago once twice always often sometimes usually
    people person guy guys folks man woman friend everyone everybody nobody somebody
    thing stuff place point case fact number group world life hand home part side area end
    instead though although because since until unless whether either neither both few several
    enough almost around across against along among without within above below behind beyond
    maybe perhaps probably else anyway somehow otherwise really truly simply totally
    state states today tonight brutal terrible awful nice cool weird huge tiny crazy insane
    problem problems issue issues reason reasons idea ideas example examples answer answers advice tip tips
    approach approaches type types level levels sense deal general typical typically usually normal normally
    common similar specific basic simple complex important main major minor overall exact certain various
    ourselves yourself yourselves myself themselves itself himself herself torn obsessed worried confused
    curious wonder wondering stuck struggling annoying annoyed frustrated happy sad glad afraid scared
    understand understanding learn wondered assume suppose guess imagine expect hope wish care cares
    rewrite rewriting redo protect protection handle handles handling deal dealing cope improve improving
    accept allow allowed apply applied avoid based believe belong bother build built buy catch cause caused
    choose chose claim compare consider contain continue create created decide depend describe design
    develop developed differ discuss drive ensure enter exist explain fail failed fall fit fix focus force
    gain grow grows grew growing happen hear hit hurt include including increase involve involved join
    lack lead learn lose lost love manage matter measure meet miss need notice occur offer own pass plan
    prefer prepare present prevent produce prove provide push reach realize receive reduce remain remember
    remove repeat replace report require respond rest return reveal rise save seek sell send serve share
    shift sound spend stay step stick suggest support surprise survive suffer tend throw treat trust turn
    use used useful using value vary view wait walk win worry affect achieve adapt add adjust aim argue
    rely solve struggle succeed switch tackle teach test track train transform trigger understand update
    ability actual additional basic broad careful clean clear close complete constant correct critical
    current daily deep direct due easy entire equal essential exact extra fair familiar final fine fixed
    former frequent fresh general given hard heavy huge ideal key kind known large late light likely live
    local lucky major massive minimal modern narrow natural necessary negative neutral obvious odd open
    ordinary original particular past perfect personal plain poor popular positive possible potential
    powerful practical previous primary proper quick random rare raw ready recent regular relevant right
    rough safe separate serious short significant silly single smart solid special stable standard steady
    strange strict strong stupid sudden sufficient suitable super tight tough typical ultimate unusual
    useless valid wide wild worth brief
    aspect bit chance choice concern condition consequence context detail difference effect effort element
    event evidence factor feature form goal impact interest issue kind lesson manner method mind mistake
    nature need option order outcome pattern piece position practice principle priority process progress
    purpose quality range rate reality result risk role rule scenario situation solution source step story
    strategy structure style subject success sum term thought topic trend truth unit version view whatever
    however therefore meanwhile honestly seriously basically generally specifically especially mostly
    mainly largely exactly slightly barely hardly nearly quickly slowly easily directly entirely fully
    constantly recently currently suddenly eventually finally initially ultimately apparently obviously
    tbh imo imho btw fyi asap
    """.split()
)
COMMON_FACTOR = 0.35

# Vocabulary of machine learning and software work in general. A question using these words is on-subject
# even when the bank never uses the word, though it says nothing about which topic is meant.
DOMAIN_WORDS = frozenset(
    """
    ml ai neural network networks deep transformer transformers attention bert gpt llm llms lstm lstms rnn rnns
    cnn cnns gan gans diffusion embedding embeddings vector vectors gradient gradients epoch epochs
    hyperparameter hyperparameters regression classification classifier classifiers clustering tokenizer tokens
    finetune finetuning finetuned pretrain pretrained pretraining overfitting overfit underfitting optimizer
    backprop backpropagation softmax logits checkpoint checkpoints baseline baselines ablation ablations arxiv
    neurips icml iclr acl cvpr kaggle huggingface pytorch tensorflow keras sklearn scikit xgboost jupyter
    notebook notebooks colab algorithm algorithms architecture architectures parameter parameters params
    feature features annotation annotations annotator crowdsourcing crowdsourced crowdsource mturk scraping
    scraper scraped synthetic augmentation sampling sample samples batch batches streaming stream streams
    realtime offline online cluster clusters docker kubernetes k8s api apis endpoint endpoints microservice
    microservices backend frontend database databases db sql nosql warehouse lakehouse spark hadoop kafka
    airflow schema schemas cloud aws gcp azure sagemaker mlflow kubeflow serverless cpu cpus ram vram memory
    quantization quantize distillation pruning onnx tensorrt p50 p90 p95 p99 percentile percentiles sla slo
    slas uptime outage outages rollback rollbacks canary ab experiment experiments hypothesis statistical
    statistics prototype prototypes mvp poc recommender recommenders ranking personalization personalisation
    chatbot chatbots nlp vision speech precision recall auc roc rmse mae loss losses benchmark benchmarks
    leaderboard sota model models training inference predictions prediction dataset datasets phd postdoc
    thesis professor lab labs conference conferences reproducibility reproducible codebase repo github
    devops mlops cicd pipeline pipelines tensor tensors matrix gpu gpus tpu tpus compute
    """.split()
)

# Words people use interchangeably for one idea. Each group is folded onto its first word's stem, for the bank
# and the question alike, so 'gpu bill' and 'hardware cost' share vocabulary.
_SYNONYM_GROUPS = (
    "hardware gpu gpus tpu tpus accelerator accelerators cuda nvidia chip chips",
    "infrastructure infra",
    "latency latencies lag laggy delay delays millisecond milliseconds ms",
    "cost costs costly expense expenses expensive cheap cheaper pricey price prices pricing money spend spending",
    "bias biased biases unfair unfairness fairness fair discriminate discrimination discriminatory prejudice",
    "explainability explain explanation explanations explainable interpret interpretation interpretable "
    "interpretability transparency transparent xai",
    "anonymization anonymize anonymise anonymised anonymized anonymous anonymity deidentify pseudonymize",
    "regulation regulations regulatory regulator regulators law laws legal compliance compliant comply",
    "user users customer customers consumer consumers client clients audience enduser",
    "deadline deadlines timeline timelines schedule schedules",
    "maintain maintenance maintaining upkeep babysit",
    "scale scaling scalable scalability scaleability",
    "monitor monitoring observability observe",
    "drift drifting drifted decay decaying degrade degrading degradation stale",
    "evaluate evaluation evaluating eval evals assess assessment",
    "accuracy accurate inaccurate",
    "error errors mistake mistakes misprediction mispredictions",
    "goal goals objective objectives aim aims purpose",
    "career careers job jobs role roles",
    "team teams department departments",
    "throughput qps rps",
    "traffic surge surges spike spikes peak",
    "label labels labeled labelled labeling labelling annotate annotation annotations annotator",
    "product products app apps",
    "deploy deployment deployed deploying launch launched ship shipping shipped release rollout",
    "sota leaderboard leaderboards",
    "paper papers publish publishing",
    "revenue profit profits",
    "dataset datasets corpus corpora",
)


def normalize(text: str) -> str:
    """Lower-case, drop Slack markup and filler phrases, keep letters and digits separated by spaces."""
    text = _SLACK_TOKEN.sub(" ", text.translate(_APOSTROPHES).lower())
    text = text.replace("'s ", " is ").replace("n't", " not")
    text = _FILLER.sub(" ", text)
    return " ".join(_NON_WORD.split(text)).strip()


# Longest first; (suffix, replacement). Applied once, then a final 'e' and a doubled consonant are dropped.
_SUFFIXES = tuple(
    tuple(f"{item}:".split(":")[:2])  # 'suffix' or 'suffix:replacement'
    for item in """
    abilities ability ibility izations ization isations isation ations ation ators ator atory ements ement
    ments ment ances ance ences ence nesses ness ities ity ively ives ive ions ion izing ising ized ised izes
    ises ize ise ating ated ates ate able ible ings ing ies:y ied:y ly ed sses:ss xes:x ches:ch shes:sh ers:er s
    """.split()
)
_NOT_PLURAL = ("ss", "us", "is", "as", "os", "ys")  # bias, status, analysis, alias, chaos, always: not plurals
# Families the suffix rules would merge or split wrongly, and comparatives: word:stem.
_IRREGULAR = dict(
    item.split(":")
    for item in """
    responsible:responsible public:public experience:experience experiences:experience experienced:experience
    cheaper:cheap slower:slow faster:fast bigger:big smaller:small higher:high lower:low larger:large
    harder:hard easier:easy longer:long shorter:short better:good worse:bad quicker:fast
    """.split()
)


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A small suffix stripper: enough to make 'drifting', 'drifts', 'drifted' one word, and 'anonymization',
    'anonymised', 'anonymize' another. Not linguistics: it only has to map a word's family to one key."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3:
        return word
    root = word
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if (suffix == "s" and word.endswith(_NOT_PLURAL)) or (suffix == "ed" and word.endswith("eed")):
                continue  # speed, need: not past tenses
            if suffix == "ly" and len(word) < 6:
                continue  # apply, early, daily
            root = word[: -len(suffix)] + keep
            break
    if len(root) > 4 and root.endswith("e") and not root.endswith("ee"):
        root = root[:-1]  # change/changing, scale/scaling, degrade/degraded
    if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "se" and not root[-1].isdigit():
        root = root[:-1]  # dropping -> drop, labelled -> label
    return root


def _synonym_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _SYNONYM_GROUPS:
        words = group.split()
        head = stem(words[0])
        for word in words:
            table.setdefault(stem(word), head)
    return table


_SYNONYMS = _synonym_table()
_DOMAIN_STEMS = frozenset(stem(w) for w in DOMAIN_WORDS)
_COMMON_STEMS = frozenset(stem(w) for w in COMMON_WORDS) - set(_SYNONYMS)


def general_weight(word: str) -> float:
    """How much a word weighs as evidence by how common it is in everyday English."""
    return COMMON_FACTOR if word in COMMON_WORDS or stem(word) in _COMMON_STEMS else 1.0


def synonym_words() -> list[str]:
    """Every word of every synonym group."""
    return [w for group in _SYNONYM_GROUPS for w in group.split()]


def content_words(text: str) -> list[str]:
    """The stemmed words of a normalised text that carry meaning."""
    return [stem(w) for w in normalize(text).split() if w not in STOPWORDS and len(w) > 1]


def canonical(word_stem: str) -> str:
    """The key a stem is indexed under: its synonym group's head, or itself."""
    return _SYNONYMS.get(word_stem, word_stem)


def is_domain(word: str) -> bool:
    """True for general machine-learning and software vocabulary."""
    return word in DOMAIN_WORDS or stem(word) in _DOMAIN_STEMS


def is_common(word: str) -> bool:
    """True for everyday English words: too common to be taken for a typo of a topic word."""
    return word in COMMON_WORDS or stem(word) in _COMMON_STEMS


def terms(text: str) -> list[str]:
    """content_words folded through the synonym groups: what the matcher indexes and looks up."""
    return [canonical(w) for w in content_words(text)]
