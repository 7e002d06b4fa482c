"""token2json / json2token: Donut's token language read back into JSON, including what models get wrong."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from docai.engines.donut.tokens import category_names, field_keys, json2token, token2json


def test_nested_objects_and_lists_of_objects():
    seq = ("<s_menu><s_nm>Coffee</s_nm><s_price>3.00</s_price><sep/><s_nm>Tea</s_nm></s_menu>"
           "<s_total><s_total_price>5.00</s_total_price></s_total>")
    assert token2json(seq) == {
        "menu": [{"nm": "Coffee", "price": "3.00"}, {"nm": "Tea"}],
        "total": {"total_price": "5.00"},
    }


def test_leaf_lists_and_single_values():
    assert token2json("<s_nm>A<sep/>B<sep/>C</s_nm><s_cnt>1</s_cnt>") == {"nm": ["A", "B", "C"], "cnt": "1"}


def test_spaces_from_the_tokenizer_are_stripped():
    assert token2json("<s_question> When is the break?</s_question><s_answer> 11 am </s_answer>") == {
        "question": "When is the break?", "answer": "11 am"}


def test_categorical_values():
    assert token2json("<s_class><advertisement/></s_class>") == {"class": "advertisement"}
    # a category the vocabulary does not know stays text
    assert token2json("<s_class><memo/></s_class>", categories={"letter"}) == {"class": "<memo/>"}
    # a category beside text is text
    assert token2json("<s_a>x <b/></s_a>") == {"a": "x <b/>"}


def test_missing_end_tags_keep_what_was_read():
    assert token2json("<s_menu><s_nm>Coffee</s_nm><s_price>3.0") == {"menu": {"nm": "Coffee", "price": "3.0"}}
    assert token2json("<s_a><s_b>1</s_a><s_c>2</s_c>") == {"a": {"b": "1"}, "c": "2"}


def test_stray_text_and_tags_are_ignored():
    assert token2json("junk<s_a>1</s_a> more junk </s_zzz><s_b>2</s_b>") == {"a": "1", "b": "2"}
    assert token2json("<s_a>x<s_b>1</s_b>y</s_a>") == {"a": {"b": "1"}}


def test_repeated_keys_are_collected_not_dropped():
    assert token2json("<s_a>1</s_a><s_a>2</s_a>") == {"a": ["1", "2"]}


def test_no_fields_gives_the_text_sequence():
    assert token2json("just some text") == {"text_sequence": "just some text"}
    assert token2json("") == {"text_sequence": ""}
    assert token2json("</s_a><sep/>") == {"text_sequence": "</s_a><sep/>"}


def test_top_level_list_is_wrapped():
    assert token2json("<s_a>1</s_a><sep/><s_a>2</s_a>") == {"items": [{"a": "1"}, {"a": "2"}]}


def test_empty_value():
    assert token2json("<s_a></s_a>") == {"a": ""}


def test_json2token_writes_donut_order_and_categories():
    assert json2token({"b": "1", "a": ["x", "y"], "c": "letter"}, {"letter"}) == (
        "<s_c><letter/></s_c><s_b>1</s_b><s_a>x<sep/>y</s_a>")
    assert json2token({"text_sequence": "raw"}) == "raw"


def test_vocabulary_helpers():
    vocab = ["<s_menu>", "</s_menu>", "<s_cord-v2>", "<sep/>", "<letter/>", "hello"]
    assert field_keys(vocab) == {"menu"}
    assert category_names(vocab) == {"letter"}


# --- round trip: json2token → token2json is the identity on what Donut can express ----------------------
_key = st.text(st.sampled_from("abcdefgh_-0123"), min_size=1, max_size=6)
_leaf = st.text(st.characters(codec="utf-8", exclude_characters="<>\x00"), min_size=1, max_size=8).map(
    str.strip).filter(bool)
_category = st.sampled_from(["letter", "memo", "invoice"])


def _values(children):
    objects = st.dictionaries(_key, children, min_size=1, max_size=3)
    return st.one_of(
        _leaf, _category, st.lists(_leaf, min_size=2, max_size=3),
        objects, st.lists(objects, min_size=2, max_size=3),
    )


_tree = st.dictionaries(_key, st.recursive(st.one_of(_leaf, _category), _values, max_leaves=8),
                        min_size=1, max_size=4).filter(lambda d: d.keys() != {"text_sequence"})


@settings(max_examples=150, deadline=None)
@given(_tree)
def test_round_trip(obj):
    categories = {"letter", "memo", "invoice"}
    assert token2json(json2token(obj, categories), categories) == obj
