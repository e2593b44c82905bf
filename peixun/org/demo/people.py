"""Plausible people: names, ages, posts and ranks that fit the level of the unit they work in."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from peixun.org.idnumber import check_char
from peixun.org.models import CadreStatus, Gender, PoliticalStatus, Rank

# Common surnames, the frequent ones of Shandong first and repeated so that they come up more often.
SURNAMES = (
    "王" * 9
    + "张" * 8
    + "李" * 8
    + "刘" * 6
    + "孙" * 4
    + "杨" * 3
    + "赵" * 3
    + "陈" * 3
    + "徐" * 3
    + "高" * 3
    + "马" * 2
    + "于" * 2
    + "朱" * 2
    + "韩" * 2
    + "吴" * 2
    + "郭" * 2
    + "宋" * 2
    + "周" * 2
    + "吕" * 2
    + "姜" * 2
    + "胡林何罗郑梁谢唐许冯邓曹彭曾田董袁潘蒋蔡杜程苏魏丁任沈姚卢崔钟谭陆范金石贾夏付方白邹孟秦江尹薛段"
    "侯史毛郝邵孔武颜曲鲁房葛庞牛尚"
)
MALE_CHARS = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国峰亮成志新东文海振庆立晓春德兴光泽博晨锋栋坤恒"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红萍雪琳婷倩颖洁慧莉晶蕾丹瑶琪璐欣悦佳雯梅荣翠晓文华宁月莹"


def person_name(rng: random.Random, gender: str) -> str:
    chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
    if rng.random() < 0.3:
        given = rng.choice(chars)
    else:
        first = rng.choice(chars)
        given = first + rng.choice(chars.replace(first, ""))
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17")) + f"{rng.randrange(10**9):09d}"


# Birth years by rank: leaders are older; the platform's cadres were born 1966-1999.
BIRTH_YEARS = {
    Rank.BUREAU_FULL: (1966, 1970),
    Rank.BUREAU_DEPUTY: (1966, 1974),
    Rank.DIVISION_FULL: (1966, 1980),
    Rank.DIVISION_DEPUTY: (1968, 1984),
    Rank.SECTION_FULL: (1970, 1990),
    Rank.SECTION_DEPUTY: (1975, 1993),
    Rank.STAFF: (1980, 1999),
    Rank.CLERK: (1994, 1999),
    Rank.OTHER: (1970, 1998),
}

# Posts from the top of a unit down: (post, rank, how many). The rest are staff (STAFF_POSTS).
Post = tuple[str, str, int]
LEADER_POSTS: dict[str, list[Post]] = {
    "province": [
        ("省纪委书记、省监委主任", Rank.BUREAU_FULL, 1),
        ("省纪委副书记、省监委副主任", Rank.BUREAU_FULL, 4),
        ("省纪委常委、省监委委员", Rank.BUREAU_DEPUTY, 7),
    ],
    "dispatched": [("组长", Rank.BUREAU_DEPUTY, 1), ("副组长", Rank.DIVISION_FULL, 2)],
    "city": [
        ("市纪委书记、市监委主任", Rank.BUREAU_DEPUTY, 1),
        ("市纪委副书记、市监委副主任", Rank.DIVISION_FULL, 3),
        ("市纪委常委、市监委委员", Rank.DIVISION_DEPUTY, 5),
        ("室主任", Rank.SECTION_FULL, 12),
        ("室副主任", Rank.SECTION_DEPUTY, 10),
    ],
    "county": [
        ("纪委书记、监委主任", Rank.DIVISION_DEPUTY, 1),
        ("纪委副书记、监委副主任", Rank.SECTION_FULL, 2),
        ("纪委常委、监委委员", Rank.SECTION_FULL, 3),
        ("室主任", Rank.SECTION_DEPUTY, 3),
    ],
    "enterprise": [
        ("纪委书记", Rank.DIVISION_FULL, 1),
        ("纪委副书记", Rank.DIVISION_DEPUTY, 1),
        ("纪检监察部部长", Rank.OTHER, 1),
    ],
    "university": [
        ("纪委书记", Rank.DIVISION_FULL, 1),
        ("纪委副书记", Rank.DIVISION_DEPUTY, 1),
        ("纪委办公室主任", Rank.SECTION_FULL, 1),
    ],
}

STAFF_POSTS: dict[str, list[tuple[str, str, int]]] = {
    # (post, rank, weight)
    "organ": [
        ("一级调研员", Rank.DIVISION_FULL, 3),
        ("二级调研员", Rank.DIVISION_DEPUTY, 5),
        ("一级主任科员", Rank.SECTION_FULL, 14),
        ("二级主任科员", Rank.SECTION_DEPUTY, 16),
        ("三级主任科员", Rank.STAFF, 16),
        ("四级主任科员", Rank.STAFF, 16),
        ("一级科员", Rank.STAFF, 14),
        ("二级科员", Rank.CLERK, 4),
    ],
    "county": [
        ("一级主任科员", Rank.SECTION_FULL, 6),
        ("二级主任科员", Rank.SECTION_DEPUTY, 10),
        ("三级主任科员", Rank.STAFF, 12),
        ("四级主任科员", Rank.STAFF, 16),
        ("一级科员", Rank.STAFF, 20),
        ("二级科员", Rank.CLERK, 8),
    ],
    "enterprise": [("纪检监察部副部长", Rank.OTHER, 2), ("纪检主管", Rank.OTHER, 5), ("纪检专员", Rank.OTHER, 6)],
    "university": [("纪委办公室副主任", Rank.SECTION_DEPUTY, 2), ("监察专员", Rank.STAFF, 4), ("科员", Rank.STAFF, 5)],
}

# A unit's first cadres (its leaders, and the demo accounts) always stay active.
PROTECTED = 8


@dataclass
class Person:
    name: str
    gender: str
    birth_date: dt.date
    position: str
    rank: str
    political_status: str
    phone: str
    work_start_date: dt.date
    status: str
    id_number: str


def posts_for(kind: str, size: int, head_title: str, rng: random.Random) -> list[tuple[str, str]]:
    """The (post, rank) of each of a unit's `size` cadres, leaders first."""
    if kind == "department":
        leaders: list[Post] = [
            (head_title, Rank.DIVISION_FULL, 1),
            (f"副{head_title.removeprefix('专职')}", Rank.DIVISION_DEPUTY, 2),
        ]
        if head_title == "专职副书记":
            leaders = [("机关党委专职副书记", Rank.DIVISION_FULL, 1), ("机关纪委书记", Rank.DIVISION_DEPUTY, 1)]
    else:
        leaders = LEADER_POSTS[kind]
    posts: list[tuple[str, str]] = []
    for post, rank, count in leaders:
        posts.extend([(post, rank)] * count)
    posts = posts[: max(1, size * 2 // 5)] if kind in ("county", "city") else posts
    staff_kind = {"enterprise": "enterprise", "university": "university", "county": "county"}.get(kind, "organ")
    pool = STAFF_POSTS[staff_kind]
    while len(posts) < size:
        post, rank, _ = rng.choices(pool, weights=[w for *_, w in pool])[0]
        posts.append((post, rank))
    return posts[:size]


def _political_status(rng: random.Random, rank: str, birth_year: int) -> str:
    # Commission leaders and officials are party members; a few junior staff are not (yet).
    if rank not in (Rank.STAFF, Rank.CLERK, Rank.OTHER):
        return PoliticalStatus.PARTY_MEMBER
    roll = rng.random()
    if roll < 0.05 and birth_year >= 1990:
        return PoliticalStatus.PROBATIONARY
    if roll < 0.08 and birth_year >= 1994:
        return PoliticalStatus.LEAGUE_MEMBER
    if 0.95 < roll < 0.975:
        return PoliticalStatus.MASSES
    if roll >= 0.995:
        return PoliticalStatus.DEMOCRATIC_PARTY
    return PoliticalStatus.PARTY_MEMBER


def _status(rng: random.Random, index: int) -> str:
    if index < PROTECTED:
        return CadreStatus.ACTIVE
    roll = rng.random()
    if roll < 0.012:
        return CadreStatus.RETIRED
    if roll < 0.025:
        return CadreStatus.TRANSFERRED
    return CadreStatus.ACTIVE


def id_number(rng: random.Random, region: str, birth: dt.date, gender: str, taken: set[str]) -> str:
    """A valid GB 11643 number; the sequence digit's parity is the gender (odd for men)."""
    while True:
        seq = rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
        if first17 not in taken:
            taken.add(first17)
            return first17 + check_char(first17)


def make_person(rng: random.Random, *, index: int, post: str, rank: str, region: str, taken_ids: set[str]) -> Person:
    leader_like = rank in (Rank.BUREAU_FULL, Rank.BUREAU_DEPUTY, Rank.DIVISION_FULL)
    gender = Gender.MALE if rng.random() < (0.8 if leader_like else 0.55) else Gender.FEMALE
    status = _status(rng, index)
    # Those who retired reached the age of sixty.
    low, high = (1966, 1966) if status == CadreStatus.RETIRED else BIRTH_YEARS[Rank(rank)]
    birth = dt.date(rng.randint(low, high), 1, 1) + dt.timedelta(days=rng.randrange(365))
    start = dt.date(birth.year + rng.randint(21, 24), rng.choice((7, 8, 9)), 1)
    return Person(
        name=person_name(rng, gender),
        gender=gender,
        birth_date=birth,
        position=post,
        rank=rank,
        political_status=_political_status(rng, rank, birth.year),
        phone=mobile(rng),
        work_start_date=min(start, dt.date(2024, 9, 1)),
        status=status,
        id_number=id_number(rng, region, birth, gender, taken_ids),
    )
