"""A closed month keeps its statements as JSON: the round trip must lose nothing."""

import pytest

from zhengkedai.domain.statement import STATEMENT_KINDS
from zhengkedai.domain.statement_codec import decode, encode
from zhengkedai.render.pdf import render_pdf
from zhengkedai.render.samples import sample_doc


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_a_statement_decoded_from_its_json_is_the_same_document(kind) -> None:  # type: ignore[no-untyped-def]
    doc = sample_doc(kind, draft=False)
    back = decode(encode(doc))
    assert back == doc
    assert encode(back) == encode(doc)


def test_a_decoded_statement_renders_to_the_same_bytes() -> None:
    doc = sample_doc("claims", draft=True)
    assert render_pdf(decode(encode(doc))) == render_pdf(doc)
