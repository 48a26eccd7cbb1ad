import pytest

from mtaudit.document import Document, InputError, decode_bytes


def test_decoding_matches_the_referee():
    # BOM removed, CRLF kept: offsets are str indices into exactly this string
    assert decode_bytes(b"\xef\xbb\xbfA\r\nB") == "A\r\nB"


@pytest.mark.parametrize("data,msg", [
    (b"", "empty"), (b"  \n\t", "empty"), (b"\x00\x01\x02", "binary"), (b"abc\xff", "UTF-8"),
])
def test_bad_bytes(data, msg):
    with pytest.raises(InputError, match=msg):
        decode_bytes(data, "x.txt")


def test_line_col_is_one_based_with_exclusive_end():
    d = Document("ab\r\ncd\nef")
    assert d.line_col(0) == (1, 1)
    assert d.line_col(2) == (1, 3)  # the end column of "ab" is exclusive
    assert d.line_col(4) == (2, 1)
    assert d.line_col(8) == (3, 2)


def test_sentences_do_not_split_on_abbreviations_or_cross_lines():
    text = "Mr. Smith met Vladimir V. Putin in the U.S. capital. Then he left!\nLeave a Reply\n\nNext one."
    d = Document(text)
    got = [text[s:e] for s, e in d.sentences]
    assert got == ["Mr. Smith met Vladimir V. Putin in the U.S. capital.", "Then he left!", "Leave a Reply",
                   "Next one."]


def test_words_are_whitespace_tokens_and_tokens_keep_offsets():
    text = "Russo-Ukraino border, 30 miles."
    d = Document(text)
    assert d.words == 4
    assert [(t.text, text[t.start:t.end]) for t in d.tokens][0] == ("Russo-Ukraino", "Russo-Ukraino")


def test_paragraphs():
    text = "One.\nStill one.\n\n  Two.\n"
    d = Document(text)
    assert [text[s:e] for s, e in d.paragraphs] == ["One.\nStill one.", "Two."]


# --- the shared tokenizer: each detector's filter equals the regex it replaced --------------
_OLD = {  # the word regexes the detectors had before they shared Document.tokens
    "typography": r"(?<![\w'’-])[A-Za-z]+(?![\w'’-])",
    "consistency": r"(?<![\w'’-])[^\W\d_]{4,}(?![\w'’-])",
    "unknown": r"(?<![\w'’@/.#-])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w'’@/-]|\.\w)",
    "disfluency": r"(?<![\w'’-])[a-z]+(?![\w'’-])",
}


def _new(doc, name, s, e):
    if name == "typography":
        return [(t.start, t.end) for t in doc.bare_words(s, e) if t.text.isascii() and t.text.isalpha()]
    if name == "consistency":
        return [(t.start, t.end) for t in doc.bare_words(s, e) if t.plain and len(t.text) >= 4]
    if name == "disfluency":
        return [(t.start, t.end) for t in doc.bare_words(s, e) if t.text.isascii() and t.text.isalpha()
                and t.text.islower()]
    return [(t.start, t.end) for t in doc.bare_words(s, e, shield_before="@/.#", shield_after="@/", no_dot_word=True)
            if t.letters_only]


def test_shared_tokenizer_filters_equal_the_old_word_regexes():
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from mtaudit.document import Document

    alphabet = st.sampled_from(list("abcXYZé五²1_-'’@/.# \n") + ["ü", "Ж", "\u0301", "a", "b", "²"])

    @settings(max_examples=1500, deadline=None)
    @given(st.text(alphabet, max_size=40), st.integers(0, 40), st.integers(0, 40))
    def check(text, a, b):
        doc = Document(text)
        s, e = min(a, b, len(text)), min(max(a, b), len(text))
        for name, rx in _OLD.items():
            old = [m.span() for m in re.compile(rx).finditer(text, s, e)]
            # a window never starts inside a word in the detectors (sentences, the whole text)
            if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "_'’-") and text[s:s + 1].isalnum():
                continue
            if e < len(text) and text[e - 1:e].isalnum() and (text[e].isalnum() or text[e] in "'’-"):
                continue
            assert _new(doc, name, s, e) == old, (name, text, s, e)
    check()
