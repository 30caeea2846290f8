"""Seed the demo county: regions, departments, officers (with the demo accounts), institutions."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from cases import repository
from cases.enums import InstitutionCategory, LicenceStatus, ListStatus, Role
from cases.models import Department, Institution, Officer, Region
from cases.passwords import hash_password
from cases.uscc import normalise_name, uscc_check_char
from flows.demo import data

CATEGORY_WEIGHTS = {InstitutionCategory.SUBJECT: 30, InstitutionCategory.SPORTS: 20,
                    InstitutionCategory.ARTS: 25, InstitutionCategory.SCIENCE: 12, InstitutionCategory.OTHER: 13}
LICENCE_WEIGHTS = {LicenceStatus.LICENSED: 62, LicenceStatus.UNLICENSED_REGISTERED: 18,
                   LicenceStatus.UNLICENSED: 12, LicenceStatus.CONVERTED: 8}
DEMO_ACCOUNTS = ("admin", "supervisor", "officer", "legal")


def is_seeded(session: Session) -> bool:
    return session.exec(select(Department).where(Department.name == data.DEPARTMENTS[0][0])).first() is not None


def seed_regions(session: Session) -> None:
    for code, name, parent, level in (data.PROVINCE, data.CITY, data.COUNTY):
        session.add(Region(code=code, name=name, parent_code=parent, level=level))
    session.flush()
    for code, name in data.TOWNSHIPS:
        session.add(Region(code=code, name=name, parent_code=data.COUNTY[0], level="township"))
    session.flush()
    repository.clear_region_cache()


def _name(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


def seed_departments(session: Session, rng: random.Random, today: date, password: str) -> list[Officer]:
    shared_hash = hash_password(password)
    officers: list[Officer] = []
    badge = 52012200100
    for name, kind, region, code, count, address, phone in data.DEPARTMENTS:
        dept = Department(name=name, kind=kind, region_code=region, doc_code=code, address=address, phone=phone,
                          review_body=data.REVIEW_BODY, court=data.COURT, bank=data.BANK)
        session.add(dept)
        session.flush()
        for i in range(count):
            badge += 1
            roles = [Role.SUPERVISOR] if i == 0 else [Role.OFFICER]
            if kind == "education" and i == 1:
                roles = [Role.LEGAL]
            expired = i == count - 1 and kind != "education" and count > 3  # a lapsed 执法证 in most departments
            officers.append(Officer(
                username=f"{kind}{i + 1:02d}" if region == data.COUNTY[0] else f"{code}{i + 1:02d}",
                name=_name(rng), department_id=dept.id, roles=[str(r) for r in roles],
                badge_no=f"贵{badge}", badge_valid_until=today + timedelta(days=-30 if expired else 900),
                phone=f"139{rng.randrange(10**8):08d}", password_hash=shared_hash))
        dept.contact = officers[-count + min(2, count - 1)].name  # 联系人 on documents: an officer of the 执法科
    edu = session.exec(select(Department).where(Department.kind == "education",
                                                Department.region_code == data.COUNTY[0])).one()
    for username, role in zip(DEMO_ACCOUNTS, (Role.ADMIN, Role.SUPERVISOR, Role.OFFICER, Role.LEGAL), strict=True):
        officers.append(Officer(username=username, name=_name(rng), department_id=edu.id, roles=[str(role)],
                                badge_no=None if role is Role.ADMIN else f"贵{badge + len(officers)}",
                                badge_valid_until=None if role is Role.ADMIN else today + timedelta(days=900),
                                password_hash=shared_hash))
    session.add_all(officers)
    session.flush()
    return officers


def _uscc(rng: random.Random, non_profit: bool) -> str:
    body = ("52" if non_profit else "91") + data.COUNTY[0] + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_check_char(body)


def seed_institutions(session: Session, rng: random.Random, count: int, now: datetime) -> list[Institution]:
    cats, cat_w = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    lics, lic_w = zip(*LICENCE_WEIGHTS.items(), strict=True)
    used: set[str] = set()
    rows = []
    for i in range(count):
        category = rng.choices(cats, cat_w)[0] if i >= len(cats) * len(lics) else cats[i % len(cats)]
        licence = rng.choices(lics, lic_w)[0] if i >= len(cats) * len(lics) else lics[i // len(cats)]
        name = f"息烽县{rng.choice(data.BRANDS)}{rng.choice(data.CATEGORY_WORDS[str(category)])}"
        while name in used:
            name = name.replace("息烽县", f"息烽县{rng.choice(data.BRANDS)}", 1)
        used.add(name)
        town_code, town = rng.choice(data.TOWNSHIPS)
        non_profit = licence is LicenceStatus.CONVERTED or category is InstitutionCategory.SUBJECT
        registered = licence is not LicenceStatus.UNLICENSED
        rows.append(Institution(
            name=name + ("有限公司" if registered and not non_profit else ""), name_key=normalise_name(name),
            uscc=_uscc(rng, non_profit) if registered else None, category=category, licence_status=licence,
            non_profit=non_profit, address=f"息烽县{town}{rng.choice(data.STREETS)}{rng.randint(1, 299)}号",
            region_code=town_code, phone=f"0851-877{rng.randrange(10**5):05d}",
            legal_representative=_name(rng),
            list_status=ListStatus.WHITE if licence is LicenceStatus.LICENSED and rng.random() < 0.4
            else ListStatus.NONE,
            fund_supervision=rng.choices(["supervised", "not_supervised", "abnormal"], [70, 22, 8])[0]
            if registered else "not_supervised",
            student_count=(students := rng.randint(10, 400)), capacity=int(students * rng.uniform(0.85, 1.6)),
            created_at=now - timedelta(days=rng.randint(200, 900))))
    session.add_all(rows)
    session.flush()
    return rows
