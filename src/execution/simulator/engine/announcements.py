"""Announcements: direct ones (v3 "Get Direct Announcements", "Get Direct Announcement By
ID": notices addressed to one account, newest first, paged) and public ones. The simulator
has none until the operator or a test publishes one (`AnnouncementBoard.publish`,
`publish_public`).

Publishing pushes the user-data `announcement` event (v3 "Event: Direct Announcement",
"Event: Public Announcement", both under "User Data Streams"): a direct one to the
addressed account's user-data streams, a public one to every account's. The event has an
`en` and a `zh` object (id `i`, title `t`, subtitle `s`, category `c`, time `d`, read
status `S`, link `j`, HTML content `C`); a language not published takes the first
content published. Its `c` is `DIRECT` for a direct announcement, as the docs' table says
(the REST rows keep the category published); a public one's is its category
(`NEW_LISTING` unless told). Public announcements are not listed by the direct
endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.core_base import CoreBase

MAX_PAGE_SIZE = 100
EVENT_LANGUAGES = ("en", "zh")  # the event's objects, in the docs' order
DIRECT_CATEGORY = "DIRECT"
PUBLIC_CATEGORY = "NEW_LISTING"


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

    def event(self, category: str) -> dict[str, Any]:
        """The user-data `announcement` event, its `c` being `category`."""
        by_language = {content[0]: content for content in self.contents}
        event: dict[str, Any] = {"e": "announcement"}
        for language in EVENT_LANGUAGES:
            _, title, subtitle, content = by_language.get(language, self.contents[0])
            event[language] = {
                "i": self.announcement_id, "t": title, "s": subtitle, "c": category,
                "d": self.publish_time, "S": False, "j": self.jump_link, "C": content,
            }
        return event


class AnnouncementBoard:
    """The direct announcements of every account; pushes each published one."""

    def __init__(self, core: CoreBase) -> None:
        self.core = core
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
        """Address an announcement to `account_id` and push it to its user-data streams;
        its id."""
        announcement = self._new(account_id, contents, category, publish_time, jump_link)
        self.announcements.append(announcement)
        self.core.listener(account_id, announcement.event(DIRECT_CATEGORY))
        return announcement.announcement_id

    def publish_public(
        self, contents: list[tuple[str, str, str, str]], *, publish_time: int,
        category: str = PUBLIC_CATEGORY, jump_link: str = "",
    ) -> int:
        """Push a public announcement to every account's user-data streams; its id."""
        announcement = self._new("", contents, category, publish_time, jump_link)
        event = announcement.event(category)
        for account_id in list(self.core.accounts):
            self.core.listener(account_id, event)
        return announcement.announcement_id

    def _new(self, account_id: str, contents: list[tuple[str, str, str, str]],
             category: str, publish_time: int, jump_link: str) -> Announcement:
        if not contents:
            raise ValueError("an announcement needs at least one (language, title, "
                             "subtitle, content)")
        return Announcement(next(self._ids), account_id, tuple(contents), category,
                            publish_time, jump_link)

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
