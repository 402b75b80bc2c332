"""PostgreSQL's refusals read back into the catalogue's words (zhengkedai.db.refusals)."""

from __future__ import annotations

import pytest

from zhengkedai.db import access
from zhengkedai.db.refusals import explain


def raised(template: str, *values: str) -> str:
    """What the server says for a trigger's ``RAISE EXCEPTION template, values…``, with the
    context lines PL/pgSQL adds after it."""
    text = template
    for value in values:
        text = text.replace("%", value, 1)
    return text + "\nCONTEXT:  PL/pgSQL function zkd_check_payer() line 12 at RAISE"


@pytest.mark.parametrize("detail, in_english, in_chinese", [
    (raised(access.PAY_OWN, "wang", "claims", "3"),
     "wang approved claim #3 and may not pay it (approval and payment are made by different "
     "people)", "wang 审批了补偿申请 #3，不能再支付它 (审批与支付须由不同的人)"),
    (raised(access.PAY_NOT_APPROVER, "sun", "subsidies", "7"),
     "sun is not an approving officer and may not pay subsidy #7",
     "sun 不是审批人员，不能支付补助申请 #7"),
    (raised(access.RECORD_OTHER, "wang", "zhao", "claims", "3"),
     "wang may not record zhao as the one who decided claim #3",
     "wang 不能将 zhao 记为补偿申请 #3的决定人"),
    (raised(access.FILE_CHANGED, "4", "120"),
     "file #4 was accepted with 120 rows; it cannot be changed",
     "文件 #4 已受理，共 120 行，不能再修改"),
    (raised(access.SIGN_OTHER, "zhao", "journal_entries", "someone"),
     "zhao may not write a row of journal_entries in the name of someone",
     "zhao 不能以 someone 的名义在 journal_entries 中写入记录"),
    ("permission denied for table journal_entries",
     "this login has no right to make that change to journal_entries",
     "当前登录名无权对 journal_entries 作此修改"),
    ('new row violates row-level security policy for table "import_files"',
     "the row of import_files is another institution's", "import_files 中的该行属于其他机构"),
])
def test_each_refusal_is_said_in_the_readers_language(monkeypatch: pytest.MonkeyPatch,
                                                      detail: str, in_english: str,
                                                      in_chinese: str) -> None:
    assert explain(detail) == f"the database refused it: {in_english}"
    monkeypatch.setenv("ZKD_LANG", "zh")
    assert explain(detail) == f"数据库拒绝了该操作：{in_chinese}"


def test_a_message_that_is_not_a_refusal_is_left_to_the_caller() -> None:
    assert explain('relation "claims" does not exist') is None
    assert explain("") is None
