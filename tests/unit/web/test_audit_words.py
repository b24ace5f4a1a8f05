"""Every kind of change the audit log knows has its words on the staff's page, and no words wait for a
kind that does not exist."""

from __future__ import annotations

from accounts.domain.audit import AuditKind
from estivage.web.names import AUDIT_KIND
from kernel.i18n import translator


def test_every_kind_of_change_has_its_words_in_both_languages() -> None:
    assert set(AUDIT_KIND) == {kind.value for kind in AuditKind}
    for words in AUDIT_KIND.values():
        assert translator("fr").gettext(words) != words
        assert translator("ar").gettext(words) != translator("fr").gettext(words)
