"""A stored source clause as a reader of the Chinese interface sees it."""

from __future__ import annotations

from zhengkedai.domain.compensation import RECOVERIES_CLAUSE
from zhengkedai.domain.policy_params import CHOICE_PREFIX, clause_words


def test_the_programme_s_own_rule_is_said_in_chinese_and_a_public_text_as_it_is() -> None:
    shown = clause_words(RECOVERIES_CLAUSE, chinese=True)
    assert "programme rule" not in shown and "本项目规则" in shown
    assert "第(十九)条" in shown  # the public text it rests on, untouched
    assert clause_words(RECOVERIES_CLAUSE, chinese=False) == RECOVERIES_CLAUSE
    public = "郑政办〔2018〕97号 第二条"
    assert clause_words(public, chinese=True) == public
    assert clause_words(CHOICE_PREFIX + " 3%", chinese=True).startswith("项目默认参数")
