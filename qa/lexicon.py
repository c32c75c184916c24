"""The English words the answering stages read: one list each, here, so no stage writes its own copy.

All of it is general English (the calendar, numerals, negation, function words, irregular verb forms);
none of it is a word of any corpus. A pattern only one stage uses stays in that stage's file; a word
list two stages read lives here.
"""

from __future__ import annotations

# the loader reads dates in file metadata with the same lists
from vectorstore.documents import MONTH_NUMBERS, MONTHS

__all__ = [
    "COUNT_WORDS", "FRAME_WORDS", "IRREGULAR", "MONTHS", "MONTH_NUMBERS", "MONTH_PATTERN", "NEGATIONS",
    "NUMBER_WORDS", "ORDINALS", "QUESTION_WORDS", "SCALES", "STOPWORDS", "TENS", "UNITS", "WEEKDAYS", "word_list",
]  # fmt: skip


def word_list(text: str) -> tuple[str, ...]:
    """A word list written as one string: `word_list("in on at")`."""
    return tuple(text.split())


# -- the calendar ---------------------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A month as written: "Sept." and "Sep" as well as the full name; the three-letter prefix identifies it.
MONTH_PATTERN = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

# -- numerals -------------------------------------------------------------------------------------

UNITS = word_list(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
TENS = word_list("twenty thirty forty fifty sixty seventy eighty ninety")
NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(UNITS)} | {w: 10 * i for i, w in enumerate(TENS, start=2)}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
ORDINALS = word_list(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
# The number words a count or a duration is written with in running text, as a regex alternation
# ("twelve days", "one of three"); larger counts are written in digits.
COUNT_WORDS = "|".join(UNITS[1:13])

# -- negation -------------------------------------------------------------------------------------

NEGATIONS = ("not", "never", "no", "none", "nobody", "nothing", "neither", "nor", "cannot", "without")

# -- function words, question words, irregular forms ----------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "else",
        "ever",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "let's",
        "me",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "wasn't",
        "we",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yes",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "tell",
        "say",
        "says",
        "said",
        "according",
        "reported",
        "report",
        "reports",
        "article",
        "articles",
        "source",
        "sources",
    ]
)
QUESTION_WORDS = frozenset(["what", "which", "who", "whom", "whose", "when", "where", "why", "how"])
# Words that frame a question rather than name its topic ("what kind of", "how long", "the name of").
FRAME_WORDS = frozenset(
    [
        "kind",
        "type",
        "sort",
        "name",
        "named",
        "called",
        "event",
        "thing",
        "things",
        "something",
        "way",
        "long",
        "many",
        "much",
        "most",
        "far",
        "happen",
        "happened",
        "happens",
        "go",
        "goes",
        "went",
        "going",
        "come",
        "came",
        "get",
        "got",
        "mean",
        "means",
        "describe",
        "described",
        "exactly",
    ]
)
# Irregular forms the Snowball stemmer cannot join to their base ("left" must match "leave").
IRREGULAR = {
    "left": "leave",
    "went": "go",
    "gone": "go",
    "met": "meet",
    "ate": "eat",
    "eaten": "eat",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "said": "say",
    "told": "tell",
    "made": "make",
    "sent": "send",
    "brought": "bring",
    "bought": "buy",
    "sold": "sell",
    "held": "hold",
    "won": "win",
    "lost": "lose",
    "led": "lead",
    "flew": "fly",
    "flown": "fly",
    "came": "come",
    "began": "begin",
    "begun": "begin",
    "wrote": "write",
    "written": "write",
    "spoke": "speak",
    "spoken": "speak",
    "saw": "see",
    "seen": "see",
    "knew": "know",
    "known": "know",
    "thought": "think",
    "sought": "seek",
    "fought": "fight",
    "built": "build",
    "spent": "spend",
    "paid": "pay",
    "kept": "keep",
    "rode": "ride",
    "ran": "run",
    "chose": "choose",
    "chosen": "choose",
    "drove": "drive",
    "driven": "drive",
    "fell": "fall",
    "grew": "grow",
    "grown": "grow",
    "stood": "stand",
    "struck": "strike",
    "taught": "teach",
    "threw": "throw",
    "became": "become",
    "felt": "feel",
    "found": "find",
    "heard": "hear",
    "meant": "mean",
    "rose": "rise",
    "risen": "rise",
    "shot": "shoot",
    "slept": "sleep",
    "understood": "understand",
    "wore": "wear",
    "men": "man",
    "women": "woman",
    "children": "child",
    "people": "person",
}

