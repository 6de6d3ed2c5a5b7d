"""The data page under every role: the import section is there for admins and for nobody else."""

from __future__ import annotations

import pytest

from data_access import users
from tests.harness import start


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", users.ROLES)
def test_the_data_page_shows_the_import_section_to_admins_only(monkeypatch, sample_copy_url, role, lang):
    state = {"demo-role": role, "demo-street": "fubao", "demo-community": "fubao-01"}
    at = start(monkeypatch, demo_url=sample_copy_url, state=state, lang=lang, view="views/data.py")

    title = "导入数据" if lang == "zh" else "Import data"
    subheaders = [s.value for s in at.subheader]
    uploader = at.get("file_uploader")
    if role == "admin":
        assert title in subheaders
        assert len(uploader) == 1
        assert at.selectbox(key="import-kind").options == (
            ["街道", "社区", "站点与机构", "社会组织", "工作人员", "培训场次", "培训出勤", "儿童档案", "危机个案", "个案事件", "补贴标准",
             "补贴发放", "慰问金与捐赠"] if lang == "zh"
            else ["Streets", "Communities", "Stations", "Social organisations", "Staff", "Training sessions",
                  "Training attendance", "Children", "Crisis cases",
                  "Case events", "Subsidy standards", "Subsidy payments", "Grants and donations"])
        assert at.selectbox(key="import-kind").value == "children"
        assert at.radio(key="import-mode").value == "all-or-nothing"
    else:
        assert title not in subheaders
        assert len(uploader) == 0
    assert ("数据来源" if lang == "zh" else "Data source") in subheaders
