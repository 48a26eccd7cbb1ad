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
