"""Direct announcements (v3 "Get Direct Announcements", "Get Direct Announcement By ID"):
notices addressed to one account, newest first, paged. The simulator has none until the
operator or a test publishes one (`AnnouncementBoard.publish`)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement_id: int
    account_id: str
    contents: tuple[tuple[str, str, str, str], ...]  # (language, title, subtitle, content)
    category: str
    publish_time: int
    jump_link: str

    def render(self) -> dict[str, Any]:
        return {
            "id": self.announcement_id,
            "contents": [
                {"language": language, "title": title, "subtitle": subtitle,
                 "content": content}
                for language, title, subtitle, content in self.contents
            ],
            "category": self.category,
            "publishTime": self.publish_time,
            "jumpLink": self.jump_link,
        }


class AnnouncementBoard:
    """The direct announcements of every account."""

    def __init__(self) -> None:
        self._ids = count(1)
        self.announcements: list[Announcement] = []
        self.handlers = {
            ("GET", "announcement/direct"): self.direct,
            ("GET", "announcement/directById"): self.direct_by_id,
        }

    def publish(
        self, account_id: str, contents: list[tuple[str, str, str, str]], *, category: str,
        publish_time: int, jump_link: str = "",
    ) -> int:
        """Address an announcement to `account_id`; its id."""
        announcement = Announcement(next(self._ids), account_id, tuple(contents), category,
                                    publish_time, jump_link)
        self.announcements.append(announcement)
        return announcement.announcement_id

    def direct(self, account: Account, params: p.Params) -> Any:
        page = _or(p.integer(params, "page"), 1)
        size = _or(p.integer(params, "size"), 20)
        if page < 1:
            raise r.invalid_param("page")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise r.invalid_param("size")
        mine = sorted((a for a in self.announcements if a.account_id == account.account_id),
                      key=lambda a: (a.publish_time, a.announcement_id), reverse=True)
        rows = mine[(page - 1) * size:page * size]
        return {"total": len(mine), "rows": [a.render() for a in rows]}

    def direct_by_id(self, account: Account, params: p.Params) -> Any:
        wanted = p.required_integer(params, "id")
        for announcement in self.announcements:
            if announcement.announcement_id == wanted and (
                announcement.account_id == account.account_id
            ):
                return announcement.render()
        raise r.invalid_param("id")


def _or(value: int | None, default: int) -> int:
    return default if value is None else value
