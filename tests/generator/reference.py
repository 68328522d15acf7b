"""The 裕安区 2021 reference case, person by person and record by record.

In: a seed (names, ID numbers, cards and the days within a month depend on it; the figures do
not). Out: a `Model` of people, worker files, aid records, bank rows, civil and medical checks
and ledger rows whose totals are exactly the figures of the district's own 2021 report
(`EXPECTED`), plus the deliberate anomalies A1-A8 and bad rows B1-B8. `layout.py` turns the model
into files.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.generator.ids import (
    add_workdays,
    excel_number_of,
    id_check_char,
    is_workday,
    make_card,
    make_id,
    unique_names,
    workdays_between,
)

CENTRAL = "中央财政专项帮扶资金"
PROVINCE = "省财政专项帮扶资金"
JINQIU = "省总金秋助学资金"
UNION = "本级工会经费"
SOURCE_ALIASES = {
    CENTRAL: ("中央财政", "中央专项资金"),
    PROVINCE: ("省财政", "省级财政专项"),
    JINQIU: ("金秋助学", "省总金秋助学"),
    UNION: ("本级经费", "区总工会经费"),
}
LIVING, MEDICAL, EDUCATION, WARMTH = "生活救助", "医疗救助", "助学救助", "送温暖"
AID_TYPE_ORDER = (LIVING, MEDICAL, EDUCATION, WARMTH)
REGION = "341503"
BIRTH_REGIONS = ("341503", "341503", "341503", "341502", "341522", "341523", "341524")
BANKS = (
    ("621700", "中国建设银行六安分行"),
    ("622848", "中国农业银行六安裕安支行"),
    ("622202", "中国工商银行六安分行"),
    ("621799", "中国邮政储蓄银行六安市分行"),
)
LIVING_PAY_DAYS = {
    1: date(2021, 1, 20),
    2: date(2021, 4, 20),
    3: date(2021, 7, 20),
    4: date(2021, 10, 20),
}
SPRING_VISIT_DAY = date(2021, 1, 26)  # 春节送温暖, before the 2021-02-12 holiday
AUTUMN_VISIT_DAY = date(2021, 9, 10)  # 中秋送温暖, before 2021-09-21
JINQIU_DAY, UNION_EDUCATION_DAY = date(2021, 8, 24), date(2021, 8, 25)
WARMTH_FEN = 50_000
NONFILED_EDUCATION_FEN = 200_000
A7_AID_DAY = date(2021, 10, 12)  # +45 working days = 2021-12-14, no holiday in between
REPAY_DAY = date(2021, 7, 8)  # re-payment of the 户名不符 failure
LIVING_GRADES = (("优", 80), ("良", 72), ("中", 64))  # person-times thresholds (年度目标)

# The district's own 2021 report and what follows from it; every amount in fen.
EXPECTED: dict[str, Any] = {
    "received_fen": {
        CENTRAL: 62_000_000,
        PROVINCE: 30_000_000,
        JINQIU: 3_000_000,
        UNION: 4_768_000,
    },
    "interest_fen": {CENTRAL: 8_640},
    "central_and_province_spent_fen": 91_695_000,
    # (source, aid type) -> (amount in fen, 人次 disbursements, 人数 distinct people)
    "usage": {
        (CENTRAL, LIVING): (17_960_000, 100, 26),
        (CENTRAL, MEDICAL): (42_550_000, 36, 33),
        (CENTRAL, EDUCATION): (1_385_000, 3, 3),
        (PROVINCE, MEDICAL): (10_300_000, 14, 14),
        (PROVINCE, EDUCATION): (19_500_000, 31, 31),
        (JINQIU, EDUCATION): (3_000_000, 15, 15),
        (UNION, EDUCATION): (1_400_000, 7, 7),
        (UNION, WARMTH): (2_400_000, 48, 40),
    },
    # aid type -> (amount in fen, 人次, 人数)
    "by_type": {
        LIVING: (17_960_000, 100, 26),
        MEDICAL: (52_850_000, 50, 47),
        EDUCATION: (25_285_000, 56, 56),
        WARMTH: (2_400_000, 48, 40),
    },
    "filed_education_fen": 20_885_000,
    "nonfiled_education_fen": 4_400_000,
    "three_type_persons": 129,
    "three_type_filed_persons": 107,
    "three_type_nonfiled_persons": 22,
    "closing_fen": {CENTRAL: 113_640, PROVINCE: 200_000, JINQIU: 0, UNION: 968_000},
    "carry_over_fen": {UNION: 968_000},
    # December alone (本月 of the year-end run): two medical payments
    "december_usage": {(CENTRAL, MEDICAL): (1_500_000, 1, 1), (PROVINCE, MEDICAL): (800_000, 1, 1)},
    "targets_persons": {LIVING: 20, EDUCATION: 20, MEDICAL: 10},
    "completion_percent": {LIVING: 130, EDUCATION: 280, MEDICAL: 470},
    "living_grade": "优",  # 100 人次 against 优 80, 良 72, 中 64
    "files_total": 153,
    "files_open_by_hardship": {"深度困难": 39, "相对困难": 29, "意外致困": 17},
    "files_out_of_hardship": 50,
    "files_closed_by_reason": {"退休": 4, "解除劳动关系": 9, "死亡": 3, "四类排除": 2},
    "aid_records": 254,  # valid and distinct: 100 + 50 + 56 + 48
    "aid_rows_bad": 6,  # B1-B5, B8
    "june_records_exported_twice": 3,  # B9: so the two aid files hold 254 + 6 + 3 = 263 rows
    "cash_records": 3,
    "bank_rows": 252,  # 250 transfers (one pays two records), 1 re-payment, 1 bad row (B6)
}


@dataclass
class WorkerFile:
    number: str = ""
    level: str = "全国级"
    hardship: str = "深度困难"
    category: str = "职工"
    household: int = 3
    income_fen: int = 0
    cause: str = ""
    filed_on: date = date(2018, 1, 1)
    status: str = "在档"
    status_date: date | None = None
    close_reason: str = ""
    employer: str = ""
    bad_household: bool = False  # B7: written with 家庭人口 0


@dataclass
class Person:
    key: str  # role: L = 生活, M = 医疗, S = 助学 (filed), N = 助学 (non-filed), F = file only,
    # W = 送温暖 only (non-filed), X = the bad worker file B7
    name: str
    id_number: str
    card: str
    bank: str
    file: WorkerFile | None = None
    old_id15: bool = False  # the worker file writes the pre-1999 15-digit number
    lower_x: bool = False  # the ID ends in X, written as x in some files
    spouse: str = ""

    @property
    def filed(self) -> WorkerFile:
        """The worker file of a person who has one."""
        assert self.file is not None, self.key
        return self.file


@dataclass
class AidRecord:
    person: Person
    aid_type: str
    source: str
    amount_fen: int
    aid_date: date
    applied: date | None = None
    announced: date | None = None
    entered: date | None = None
    cash: bool = False
    signed: str = ""
    card: str = ""  # 收款卡号; empty when the export leaves it out
    student: str = ""
    stage: str = ""
    note: str = ""
    memo: str = ""  # the bank's 摘要 for it
    number: str = ""
    tag: str = ""  # A1-A8 (anomaly, still a valid row) or B1-B8 (a row validation rejects)
    bad_value: str | int | None = None  # the raw cell that makes a B row invalid


@dataclass
class BankRow:
    records: list[AidRecord]
    name: str
    card: str
    amount_fen: int
    paid_on: date
    ok: bool = True
    reason: str = ""
    memo: str = ""
    batch: str = ""
    tag: str = ""
    bad_value: str | None = None


@dataclass
class CivilCheck:
    person: Person
    checked_on: date
    household: int
    income_fen: int
    conclusion: str = "符合"
    reason: str = ""
    dibao: str = "否"


@dataclass
class MedicalCheck:
    person: Person
    year: int
    total_fen: int
    pooled_fen: int
    serious_fen: int
    civil_aid_fen: int
    other_fen: int
    self_paid_fen: int


@dataclass
class LedgerRow:
    source: str
    category: str
    amount_fen: int
    day: date
    document: str = ""
    note: str = ""
    written_source: str = ""  # the name as the ledger writes it (sometimes an alias)


@dataclass
class Model:
    persons: list[Person]
    records: list[AidRecord]  # every aid row once, valid and bad, in 救助编号 order
    bank_rows: list[BankRow]
    civil_checks: list[CivilCheck]
    medical_checks: list[MedicalCheck]
    ledger: list[LedgerRow]
    by_key: dict[str, Person] = field(default_factory=dict)


# ---- people and files -------------------------------------------------------------------------

ROLE_COUNTS = (("L", 26), ("M", 47), ("S", 34), ("N", 22), ("F", 46), ("W", 10), ("X", 1))
EMPLOYERS = (
    "六安市恒达纺织有限公司",
    "六安江淮电机有限公司",
    "裕安区城南环卫所",
    "六安市皖西宾馆",
    "裕安区苏埠镇建筑安装队",
    "六安市金桥物流有限公司",
    "安徽六安丰源食品有限公司",
    "裕安区平桥工业园区物业公司",
    "六安市裕安区城市管理局",
    "六安市新华书店裕安区店",
    "六安市公共交通有限公司",
    "裕安区独山镇农机站",
)
CAUSES = {
    "深度困难": ("本人患病", "家庭成员患重病", "下岗失业", "单亲家庭，收入低"),
    "相对困难": ("子女就学", "收入低，赡养老人", "家属无业", "子女就学，家属患病"),
    "意外致困": ("意外事故致残", "突发重病", "因灾致困", "家庭成员意外伤亡"),
}
STAGES = ("本科", "本科", "本科", "大专", "大专", "高中", "中职", "研究生")


def build_model(seed: int) -> Model:
    rng = random.Random(seed)
    persons = _make_persons(rng)
    by_key = {p.key: p for p in persons}
    _make_files(rng, by_key)
    records = _make_records(rng, by_key)
    _close_files_after_aid(rng, by_key, records)
    _assign_ids(rng, persons)  # after the closures: people who retire are old enough
    bad_records = _make_bad_records(rng, by_key)
    records = _number_records(records + bad_records)
    bank_rows = _make_bank_rows(rng, by_key, records)
    model = Model(
        persons=persons,
        records=records,
        bank_rows=bank_rows,
        civil_checks=_make_civil_checks(rng, by_key, records),
        medical_checks=_make_medical_checks(rng, records),
        ledger=[],
        by_key=by_key,
    )
    model.ledger = _make_ledger(model)
    check_figures(model)
    return model


def _make_persons(rng: random.Random) -> list[Person]:
    keys = [f"{role}{i:02d}" for role, count in ROLE_COUNTS for i in range(1, count + 1)]
    # Fixed names for the persons whose spelling matters; everyone else gets a unique name.
    fixed = {"M05": "阿依古丽·买买提", "M12": "张伟", "S03": "李娜"}
    taken = set(fixed.values())
    names = iter(unique_names(rng, len(keys), taken))
    persons = []
    for serial, key in enumerate(keys):
        name = fixed.get(key) or next(names)
        prefix, bank = BANKS[serial % len(BANKS)]
        persons.append(
            Person(
                key=key,
                name=name,
                id_number="",
                card=make_card(prefix, rng.randrange(10**12)),
                bank=bank,
            )
        )
    spouses = iter(unique_names(rng, len(persons), taken))
    for person in persons:
        person.spouse = next(spouses)
    return persons


def _assign_ids(rng: random.Random, persons: list[Person]) -> None:
    used_ids: set[str] = set()
    for person in persons:
        person.id_number = _new_id(rng, person, used_ids)


# The persons whose ID ends in X (written as lower-case x somewhere), and the one whose worker
# file still carries the old 15-digit number (born before 1980, when those were issued).
X_PERSONS = ("L05", "M10", "S05", "N03")
OLD_ID_PERSON = "L04"


def _birth_years(person: Person, female: bool) -> tuple[int, int]:
    """Birth years (first, last) that fit the person's role."""
    if person.file is not None and person.file.close_reason == "退休":
        return (1966, 1971) if female else (1958, 1961)  # retired at 50 (women) or 60 (men)
    if person.key == OLD_ID_PERSON:
        return 1962, 1971
    if person.key[0] in "NW":  # not filed: younger workers
        return 1968, 1995
    return 1962, 1989


def _new_id(rng: random.Random, person: Person, used: set[str]) -> str:
    female = person.key == "M05" or (person.key != OLD_ID_PERSON and rng.random() < 0.45)
    first_year, last_year = _birth_years(person, female)
    while True:
        birth = date(
            rng.randrange(first_year, last_year + 1), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        sequence = rng.randrange(1, 499) * 2 + (0 if female else 1)
        id_number = make_id(rng.choice(BIRTH_REGIONS), birth, sequence)
        wants_x = person.key in X_PERSONS
        if id_number in used or (id_number[-1] == "X") != wants_x:
            continue
        used.add(id_number)
        person.lower_x = wants_x
        person.old_id15 = person.key == OLD_ID_PERSON
        return id_number


# Year-end status plan: (role keys, status, hardship types in order, close reasons in order).
# 在档 85 = 39 深度 + 29 相对 + 17 意外; 脱困 50; 注销 18 = 4 退休 + 9 解除 + 3 死亡 + 2 四类排除.
def _make_files(rng: random.Random, by_key: dict[str, Person]) -> None:
    hardship = {}
    living = [f"L{i:02d}" for i in range(1, 27)]
    open_living = [k for k in living if k not in ("L02", "L24")]
    for i, key in enumerate(open_living):
        hardship[key] = "深度困难" if i < 16 else "相对困难"
    for key in ("L02", "L24"):
        hardship[key] = "深度困难"
    for i in range(1, 12):  # F01-F11 stay open: 4 深度, 7 相对
        hardship[f"F{i:02d}"] = "深度困难" if i <= 4 else "相对困难"
    hardship["X01"] = "相对困难"
    for key, person in by_key.items():
        if key[0] in "NW":
            continue
        kind = hardship.get(key) or rng.choice(("深度困难", "相对困难", "意外致困"))
        person.file = _new_file(rng, kind)
    for i in range(12, 35):  # F12-F34 脱困 during the year
        _close(by_key[f"F{i:02d}"].file, "脱困", "", _random_2021_day(rng))
    for keys, reason in (
        ((35, 36), "退休"),
        (range(37, 43), "解除劳动关系"),
        ((43, 44), "死亡"),
        ((45, 46), "四类排除"),
    ):
        for i in keys:
            _close(by_key[f"F{i:02d}"].file, "注销", reason, _random_2021_day(rng))
    _close(by_key["L02"].file, "注销", "退休", date(2021, 9, 30))  # A5: paid again in October
    _close(by_key["L24"].file, "脱困", "", date(2021, 10, 15))  # paid Q1-Q3 only
    by_key["L26"].filed.filed_on = date(2021, 9, 6)  # filed late, paid Q4 only
    by_key["X01"].filed.bad_household = True
    _number_files(by_key)


def _new_file(rng: random.Random, hardship: str) -> WorkerFile:
    household = rng.randrange(2, 6)
    per_head_yuan = {"深度困难": (300, 600), "相对困难": (660, 1200), "意外致困": (400, 1100)}
    low, high = per_head_yuan[hardship]
    return WorkerFile(
        level=rng.choices(("全国级", "省级", "地市级"), weights=(88, 9, 3))[0],
        hardship=hardship,
        category=rng.choices(("职工", "农民工"), weights=(3, 1))[0],
        household=household,
        income_fen=household * rng.randrange(low, high) * 100,
        cause=rng.choice(CAUSES[hardship]),
        filed_on=date(rng.randrange(2015, 2021), rng.randrange(1, 13), rng.randrange(1, 29)),
        employer=rng.choice(EMPLOYERS),
    )


def _close(file: WorkerFile | None, status: str, reason: str, day: date) -> None:
    assert file is not None
    file.status, file.close_reason, file.status_date = status, reason, day


def _random_2021_day(rng: random.Random) -> date:
    return date(2021, 2, 1) + timedelta(days=rng.randrange(0, 320))


def _number_files(by_key: dict[str, Person]) -> None:
    """档案编号 = district code + year filed + a serial in order of filing."""
    files = sorted((p.file.filed_on, p.key, p.file) for p in by_key.values() if p.file is not None)
    serial_by_year: Counter[int] = Counter()
    for filed_on, _key, file in files:
        serial_by_year[filed_on.year] += 1
        file.number = f"{REGION}{filed_on.year}{serial_by_year[filed_on.year]:04d}"


# ---- aid records ------------------------------------------------------------------------------

# 生活救助 per person, per quarter, in yuan: 17 x 7,200 + 6 x 7,400 + 4,500 + 6,400 + 1,900.
LIVING_PLANS = (
    [(1800, 1800, 1800, 1800)] * 17
    + [(1800, 1800, 1900, 1900)] * 6
    + [(1500, 1500, 1500, None), (1600, 1600, 1600, 1600), (None, None, None, 1900)]
)
# 医疗救助: (yuan per payment, source). Three people are paid twice (7,000 + 5,000).
MEDICAL_PLANS = (
    [((15000,), CENTRAL)] * 18
    + [((7000, 5000), CENTRAL)] * 3
    + [((12000,), CENTRAL)] * 7
    + [((7100,), CENTRAL)] * 5
    + [((8000,), PROVINCE)] * 8
    + [((6500,), PROVINCE)] * 6
)
# First-payment month of the 44 people paid once (exactly three in June: exported twice).
MEDICAL_MONTHS = (
    [1] * 4
    + [2] * 2
    + [3] * 4
    + [4] * 4
    + [5] * 5
    + [6] * 3
    + [7] * 5
    + [8] * 4
    + [9] * 4
    + [10] * 5
    + [11] * 2
    + [12] * 2
)
MEDICAL_SPLIT_MONTHS = ((2, 8), (3, 9), (4, 11))
# 助学救助 to filed people, yuan: 25 x 6,500 + 4 x 6,000 + 4 x 5,000 + 2,350.
EDUCATION_PLANS = (
    [(6500, CENTRAL)]
    + [(6500, PROVINCE)] * 24
    + [(6000, PROVINCE)] * 4
    + [(5000, CENTRAL)]
    + [(5000, PROVINCE)] * 3
    + [(2350, CENTRAL)]
)
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}

# Who carries what (keys are roles, fixed whatever the seed).
N_TO_1_PERSON = "L01"  # 生活救助 + 送温暖 on the same day, paid as one transfer
NAME_MISMATCH_FAIL_PERSON = "M12"  # 张伟: 户名不符, re-paid in July
MEDICAL_CASH_PERSON = "M03"
SPRING_VISIT_MEDICAL = ("M20", "M21", "M22", "M23", "M24", "M25", "M26", "M27")
ANOMALY_PERSONS = {
    "A1": "L03",
    "A2": "M07",
    "A3": "S08",
    "A4": "M08",
    "A5": "L02",
    "A6": "W06",
    "A7": "M09",
    "A8": "S09",
}


def _make_records(rng: random.Random, by_key: dict[str, Person]) -> list[AidRecord]:
    records = _living_records(by_key) + _medical_records(rng, by_key)
    records += _education_records(rng, by_key) + _warmth_records(by_key)
    for record in records:
        _fill_dates(rng, record)
        record.card = record.person.card
    _plant_anomalies(rng, records)
    return records


def _living_records(by_key: dict[str, Person]) -> list[AidRecord]:
    records = []
    for i, plan in enumerate(LIVING_PLANS, start=1):
        person = by_key[f"L{i:02d}"]
        for quarter, yuan_amount in enumerate(plan, start=1):
            if yuan_amount is None:
                continue
            label = f"2021年{QUARTER_NAMES[quarter]}季度生活救助"
            records.append(
                AidRecord(
                    person,
                    LIVING,
                    CENTRAL,
                    yuan_amount * 100,
                    LIVING_PAY_DAYS[quarter],
                    note=label,
                    memo=label,
                )
            )
    return records


def _medical_records(rng: random.Random, by_key: dict[str, Person]) -> list[AidRecord]:
    """Payments spread over the year; the special persons get the months their role needs."""
    singles_months = list(MEDICAL_MONTHS)
    # A fixed shuffle: which month each person is paid in is part of the figures (本月), so it
    # must not depend on the seed.
    random.Random("medical-months").shuffle(singles_months)
    # Role needs: 张伟 in May (his failure is re-paid in July), the A7 record on 2021-10-12,
    # the cash payment in March, the Jan 送温暖 people not in January.
    wanted = {"M12": 5, "M09": 10, "M03": 3, "M05": 8}
    for month in wanted.values():
        singles_months.remove(month)
    plans = list(MEDICAL_PLANS)
    records = []
    split_months = iter(MEDICAL_SPLIT_MONTHS)
    free_months = iter(m for m in singles_months)
    for i, (amounts, source) in enumerate(plans, start=1):
        key = f"M{i:02d}"
        person = by_key[key]
        months = (
            next(split_months) if len(amounts) == 2 else (wanted.get(key) or next(free_months),)
        )
        for yuan_amount, month in zip(amounts, months, strict=True):
            day = A7_AID_DAY if key == "M09" else _workday_in_month(rng, month)
            records.append(
                AidRecord(person, MEDICAL, source, yuan_amount * 100, day, memo="医疗救助")
            )
    return records


def _workday_in_month(rng: random.Random, month: int, first: int = 3, last: int = 20) -> date:
    days = [
        date(2021, month, d) for d in range(first, last + 1) if is_workday(date(2021, month, d))
    ]
    return rng.choice(days)


def _education_records(rng: random.Random, by_key: dict[str, Person]) -> list[AidRecord]:
    records = []
    for i, (yuan_amount, source) in enumerate(EDUCATION_PLANS, start=1):
        person = by_key[f"S{i:02d}"]
        day = _workday_between(rng, date(2021, 8, 16), date(2021, 9, 17))
        records.append(_education_record(rng, person, source, yuan_amount * 100, day))
    for i in range(1, 23):
        source, day = (JINQIU, JINQIU_DAY) if i <= 15 else (UNION, UNION_EDUCATION_DAY)
        person = by_key[f"N{i:02d}"]
        records.append(_education_record(rng, person, source, NONFILED_EDUCATION_FEN, day))
    return records


def _education_record(rng, person: Person, source: str, fen: int, day: date) -> AidRecord:
    student = person.name[0] + "".join(rng.choices("子晨雨欣浩然宇航佳怡思源梦琪博文", k=2))
    memo = "金秋助学" if source in (JINQIU, UNION) else "助学救助"
    return AidRecord(
        person,
        EDUCATION,
        source,
        fen,
        day,
        student=student,
        stage=rng.choice(STAGES),
        note="2021年金秋助学",
        memo=memo,
    )


def _workday_between(rng: random.Random, first: date, last: date) -> date:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return rng.choice([d for d in days if is_workday(d)])


def _warmth_records(by_key: dict[str, Person]) -> list[AidRecord]:
    """送温暖, 500 yuan: 24 people at 春节 and 24 at 中秋, 8 of them both times: 40 people."""
    spring = ["L01"] + [f"F{i:02d}" for i in range(1, 12)] + list(SPRING_VISIT_MEDICAL)
    spring += [f"W{i:02d}" for i in range(1, 5)]
    autumn = [f"F{i:02d}" for i in range(1, 9)] + [f"N{i:02d}" for i in range(1, 11)]
    autumn += [f"W{i:02d}" for i in range(5, 11)]
    records = []
    for keys, day, label in (
        (spring, SPRING_VISIT_DAY, "春节送温暖"),
        (autumn, AUTUMN_VISIT_DAY, "中秋送温暖"),
    ):
        for key in keys:
            when = LIVING_PAY_DAYS[1] if key == N_TO_1_PERSON else day
            records.append(
                AidRecord(
                    by_key[key], WARMTH, UNION, WARMTH_FEN, when, note=label, memo=label + "慰问金"
                )
            )
    return records


def _fill_dates(rng: random.Random, record: AidRecord) -> None:
    """公示 a few days before the aid, 申请 up to 25 days before, 录入 up to 18 days after."""
    day = record.aid_date
    if record.aid_type != WARMTH:  # holiday visits need no application or announcement
        record.applied = day - timedelta(days=rng.randrange(8, 26))
        record.announced = day - timedelta(days=rng.randrange(2, 7))
    entered = day + timedelta(days=rng.randrange(1, 19))
    if day.month == 6:  # must already be in the 1-6月 export taken on 2021-07-15
        entered = day + timedelta(days=rng.randrange(1, 8))
    while entered.year == 2021 and not is_workday(entered):
        entered += timedelta(days=1)
    record.entered = entered


def _plant_anomalies(rng: random.Random, records: list[AidRecord]) -> None:
    """Tag the anomaly records; A1-A4 take effect in the bank rows, the others here."""

    def only(code: str, aid_type: str, quarter: int | None = None) -> AidRecord:
        key = ANOMALY_PERSONS.get(code, code)
        found = [
            r
            for r in records
            if r.person.key == key
            and r.aid_type == aid_type
            and (quarter is None or (r.aid_date.month - 1) // 3 + 1 == quarter)
        ]
        assert len(found) == 1, (key, aid_type, quarter)
        found[0].tag = code if code in ANOMALY_PERSONS else ""
        return found[0]

    only("A1", LIVING, 4)  # the bank freezes the account; never re-paid
    only("A2", MEDICAL)  # the bank pays 100.00 more
    only("A3", EDUCATION)  # the bank pays an account in the spouse's name
    only("A4", MEDICAL).card = make_card("622848", rng.randrange(10**12))  # a relative's card
    only("A5", LIVING, 4)  # the file was closed (注销) on 2021-09-30
    for code, signed, aid_type in (
        ("W01", "是", WARMTH),
        (MEDICAL_CASH_PERSON, "是", MEDICAL),
        ("A6", "否", WARMTH),
    ):
        record = only(code, aid_type)
        record.cash, record.signed, record.card = True, signed, ""
    a7 = only("A7", MEDICAL)
    a7.entered = add_workdays(a7.aid_date, 45)
    assert workdays_between(a7.aid_date, a7.entered) == 45
    a8 = only("A8", EDUCATION)
    a8.announced = a8.aid_date + timedelta(days=4)


def _close_files_after_aid(
    rng: random.Random, by_key: dict[str, Person], records: list[AidRecord]
) -> None:
    """Close some recipients' files during 2021, always after their last aid.

    Recipients: 医疗 14 脱困 + 3 注销 (死亡, 退休, 解除); 助学 12 脱困 + 2 注销 (解除 x2).
    The persons that carry anomalies or special spellings keep an open file.
    """
    last_aid: dict[str, date] = {}
    for record in records:
        key = record.person.key
        last_aid[key] = max(last_aid.get(key, record.aid_date), record.aid_date)
    keep_open = (
        set(ANOMALY_PERSONS.values())
        | set(SPRING_VISIT_MEDICAL)
        | {"M03", "M05", "M10", "M12", "S03", "S05"}
    )
    plans = (
        ("M", ["脱困"] * 14 + ["死亡", "退休", "解除劳动关系"], date(2021, 10, 31)),
        ("S", ["脱困"] * 12 + ["解除劳动关系"] * 2, date(2021, 12, 31)),
    )
    for role, outcomes, last_allowed in plans:
        candidates = sorted(
            k
            for k, d in last_aid.items()
            if k[0] == role and k not in keep_open and d <= last_allowed
        )
        chosen = rng.sample(candidates, len(outcomes))
        for key, outcome in zip(sorted(chosen), outcomes, strict=True):
            day = min(last_aid[key] + timedelta(days=rng.randrange(20, 61)), date(2021, 12, 28))
            status, reason = ("脱困", "") if outcome == "脱困" else ("注销", outcome)
            _close(by_key[key].file, status, reason, day)
    _set_open_hardship(rng, by_key)


def _set_open_hardship(rng: random.Random, by_key: dict[str, Person]) -> None:
    """Open 医疗 files: 17 意外致困 + 13 深度; open 助学 files: 6 深度 + 14 相对."""
    for role, kinds in (
        ("M", ["意外致困"] * 17 + ["深度困难"] * 13),
        ("S", ["深度困难"] * 6 + ["相对困难"] * 14),
    ):
        open_files = [
            p.file
            for k, p in sorted(by_key.items())
            if k[0] == role and p.file and p.file.status == "在档"
        ]
        assert len(open_files) == len(kinds), (role, len(open_files))
        rng.shuffle(kinds)
        for file, kind in zip(open_files, kinds, strict=True):
            file.hardship, file.cause = kind, rng.choice(CAUSES[kind])


# ---- bad rows ---------------------------------------------------------------------------------


def _make_bad_records(rng: random.Random, by_key: dict[str, Person]) -> list[AidRecord]:
    """Aid rows that validation must reject (B1-B5, B8); none of them is paid by the bank."""
    specs = (
        ("B1", "F09", date(2021, 3, 15), "1,234.567"),
        ("B2", "F10", date(2021, 4, 14), "wrong-check"),
        ("B4", "F05", date(2021, 2, 26), "2021-02-30"),
        ("B3", "F11", date(2021, 8, 11), "id-as-number"),
        ("B5", "F06", date(2021, 9, 14), "市慈善总会资金"),
        ("B8", "F07", date(2021, 11, 16), "-500.00"),
    )
    records = []
    for tag, key, day, raw in specs:
        person = by_key[key]
        bad: str | int = raw
        record = AidRecord(person, LIVING, CENTRAL, 150_000, day, memo="", tag=tag)
        if tag == "B5":
            record.aid_type, record.amount_fen = WARMTH, WARMTH_FEN
        if tag == "B2":
            body = person.id_number[:17]
            wrong = next(c for c in "0123456789" if c != id_check_char(body))
            bad = body + wrong
        if tag == "B3":
            bad = excel_number_of(person.id_number)
        record.bad_value = bad
        _fill_dates(rng, record)
        record.card = person.card
        records.append(record)
    return records


def _number_records(records: list[AidRecord]) -> list[AidRecord]:
    """救助编号 in order of aid date, as the national system numbers them."""
    ordered = sorted(
        records, key=lambda r: (r.aid_date, AID_TYPE_ORDER.index(r.aid_type), r.person.key)
    )
    for serial, record in enumerate(ordered, start=1):
        record.number = f"JZ2021{serial:04d}"
    return ordered


# ---- bank -------------------------------------------------------------------------------------


def batch_of(day: date) -> str:
    """Quarterly batches; the fourth quarter came back as two batches (Oct-Nov, Dec)."""
    quarter = (day.month - 1) // 3 + 1
    if quarter < 4:
        return f"2021Q{quarter}"
    return "2021Q4-1" if day.month < 12 else "2021Q4-2"


def _make_bank_rows(
    rng: random.Random, by_key: dict[str, Person], records: list[AidRecord]
) -> list[BankRow]:
    groups: dict[tuple[str, date], list[AidRecord]] = defaultdict(list)
    for record in records:
        if not record.cash and not record.tag.startswith("B"):
            groups[(record.person.key, record.aid_date)].append(record)
    assert sorted(len(g) for g in groups.values())[-2:] == [1, 2], "exactly one N:1 transfer"
    rows = []
    for (_key, day), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        person = group[0].person
        memo = "+".join(r.memo for r in group)
        paid_on = _bank_day(rng, day)
        rows.append(
            BankRow(
                group,
                person.name,
                group[0].card,
                sum(r.amount_fen for r in group),
                paid_on,
                memo=memo,
                batch=batch_of(paid_on),
            )
        )
    for row in rows:
        _plant_bank_anomaly(row)
    rows += _failed_then_repaid(rows, by_key)
    rows.append(_bad_bank_row(by_key))
    return sorted(
        rows, key=lambda r: (r.batch, r.paid_on, r.records[0].number if r.records else "~")
    )


def _bank_day(rng: random.Random, aid_day: date) -> date:
    """A working day 0-10 days after the aid, in the same month (so in the same batch)."""
    days = [aid_day + timedelta(days=i) for i in range(11)]
    return rng.choice([d for d in days if d.month == aid_day.month and is_workday(d)])


def _plant_bank_anomaly(row: BankRow) -> None:
    tags = {r.tag for r in row.records}
    if "A1" in tags:
        row.ok, row.reason, row.tag = False, "账户冻结", "A1"
    if "A2" in tags:
        row.amount_fen += 10_000
        row.tag = "A2"
    if "A3" in tags:
        row.name, row.tag = row.records[0].person.spouse, "A3"
    if "A4" in tags:
        row.tag = "A4"


def _failed_then_repaid(rows: list[BankRow], by_key: dict[str, Person]) -> list[BankRow]:
    """张伟's May payment: sent with a full-width space in the name, refused (户名不符), and
    paid again in July after the name was corrected."""
    person = by_key[NAME_MISMATCH_FAIL_PERSON]
    first = next(r for r in rows if r.records[0].person is person)
    first.ok, first.reason, first.name = False, "户名不符", "张\u3000伟"
    first.tag = "repaid"
    return [
        BankRow(
            first.records,
            person.name,
            first.card,
            first.amount_fen,
            REPAY_DAY,
            memo=first.memo + "（重发）",
            batch=batch_of(REPAY_DAY),
        )
    ]


def _bad_bank_row(by_key: dict[str, Person]) -> BankRow:
    """B6: a card number that Excel turned into 6.21700E+18 before the bank sent the CSV."""
    person = by_key["F04"]
    day = date(2021, 5, 20)
    return BankRow(
        [],
        person.name,
        person.card,
        180_000,
        day,
        memo="生活救助",
        batch=batch_of(day),
        tag="B6",
        bad_value="6.21700E+18",
    )


# ---- civil-affairs and medical-insurance checks -----------------------------------------------


def _make_civil_checks(
    rng: random.Random, by_key: dict[str, Person], records: list[AidRecord]
) -> list[CivilCheck]:
    """A 符合 check before each recipient's first 生活/医疗/助学 aid, valid for all of them;
    and a few checks of people who got nothing, some 不符合."""
    first_aid: dict[str, date] = {}
    for record in records:
        if record.aid_type in (LIVING, MEDICAL, EDUCATION) and not record.tag.startswith("B"):
            key = record.person.key
            first_aid[key] = min(first_aid.get(key, record.aid_date), record.aid_date)
    checks = []
    for key, first in sorted(first_aid.items()):
        person = by_key[key]
        checked = first - timedelta(days=rng.randrange(7, 40))
        household, income = _household_of(rng, person)
        checks.append(
            CivilCheck(
                person, checked, household, income, dibao="是" if rng.random() < 0.15 else "否"
            )
        )
    refusals = (
        ("F45", "多套住房"),
        ("F46", "工商登记"),
        ("F20", "名下有机动车"),
        ("F21", "金融资产超标"),
    )
    for key, reason in refusals:
        person = by_key[key]
        household, income = _household_of(rng, person)
        checks.append(
            CivilCheck(
                person,
                date(2021, 3, 2) + timedelta(days=rng.randrange(60)),
                household,
                income * 3,
                "不符合",
                reason,
            )
        )
    for key in ("F01", "F02"):
        household, income = _household_of(rng, by_key[key])
        checks.append(CivilCheck(by_key[key], date(2021, 5, 10), household, income))
    return sorted(checks, key=lambda c: (c.checked_on, c.person.key))


def _household_of(rng: random.Random, person: Person) -> tuple[int, int]:
    if person.file is not None:
        return person.file.household, person.file.income_fen
    household = rng.randrange(3, 6)
    return household, household * rng.randrange(500, 1100) * 100


def _make_medical_checks(rng: random.Random, records: list[AidRecord]) -> list[MedicalCheck]:
    """One 2021 settlement per medical recipient; 个人自付 at least twice the aid."""
    aid: dict[str, int] = defaultdict(int)
    persons: dict[str, Person] = {}
    for record in records:
        if record.aid_type == MEDICAL:
            aid[record.person.key] += record.amount_fen
            persons[record.person.key] = record.person
    checks = []
    for key in sorted(aid):
        self_paid = 2 * aid[key] + rng.randrange(0, 2_000_000)
        pooled = rng.randrange(2_000_000, 12_000_000)
        serious = rng.randrange(0, 3_000_000)
        civil_aid = rng.randrange(0, 500_000)
        other = rng.randrange(0, 300_000)
        total = self_paid + pooled + serious + civil_aid + other
        checks.append(
            MedicalCheck(persons[key], 2021, total, pooled, serious, civil_aid, other, self_paid)
        )
    return checks


# ---- ledger -----------------------------------------------------------------------------------


def _make_ledger(model: Model) -> list[LedgerRow]:
    rows = [
        LedgerRow(
            CENTRAL,
            "上级拨入",
            62_000_000,
            date(2021, 1, 8),
            "财社〔2020〕186号",
            "2021年中央财政专项帮扶资金",
            "中央财政专项帮扶资金",
        ),
        LedgerRow(
            PROVINCE,
            "上级拨入",
            30_000_000,
            date(2021, 1, 15),
            "皖财社〔2021〕12号",
            "2021年省财政专项帮扶资金",
            "省财政",
        ),
        LedgerRow(
            UNION,
            "本级安排",
            4_768_000,
            date(2021, 1, 5),
            "裕工字〔2021〕3号",
            "党组会研究安排",
            "区总工会经费",
        ),
        LedgerRow(
            JINQIU,
            "上级拨入",
            3_000_000,
            date(2021, 7, 12),
            "皖工字〔2021〕41号",
            "省总金秋助学专项",
            "金秋助学",
        ),
        LedgerRow(CENTRAL, "利息收入", 8_640, date(2021, 12, 21), "", "专户利息", "中央专项资金"),
    ]
    closing = closing_balances(model, rows)
    rows.append(
        LedgerRow(
            UNION,
            "结转下年",
            closing[UNION],
            date(2021, 12, 31),
            "裕工字〔2021〕48号",
            "经党组会研究同意结转",
            "本级工会经费",
        )
    )
    # A zero balance has no 账面余额 row: the ledger's amounts are all > 0.
    for source in (CENTRAL, PROVINCE, JINQIU, UNION):
        if closing[source]:
            rows.append(
                LedgerRow(
                    source,
                    "账面余额",
                    closing[source],
                    date(2021, 12, 31),
                    "",
                    "年末账面余额",
                    source,
                )
            )
    return rows


def valid_records(model: Model) -> list[AidRecord]:
    return [r for r in model.records if not r.tag.startswith("B")]


def closing_balances(model: Model, ledger: list[LedgerRow]) -> dict[str, int]:
    income_categories = {"上年结转", "上级拨入", "本级安排", "利息收入", "追缴收回", "其他转入"}
    balance: dict[str, int] = defaultdict(int)
    for row in ledger:
        if row.category in income_categories:
            balance[row.source] += row.amount_fen
        elif row.category == "调出":
            balance[row.source] -= row.amount_fen
    for record in valid_records(model):
        balance[record.source] -= record.amount_fen
    return {s: balance[s] for s in (CENTRAL, PROVINCE, JINQIU, UNION)}


# ---- the figures ------------------------------------------------------------------------------


def _usage(records: list[AidRecord], key) -> dict:
    """key(record) -> (amount in fen, 人次, 人数)."""
    table: dict = {}
    for record in records:
        entry = table.setdefault(key(record), [0, 0, set()])
        entry[0] += record.amount_fen
        entry[1] += 1
        entry[2].add(record.person.id_number)
    return {k: (v[0], v[1], len(v[2])) for k, v in table.items()}


def figures(model: Model) -> dict:
    """The figures the pipeline must reproduce, computed from the model itself."""
    records = valid_records(model)
    usage = _usage(records, lambda r: (r.source, r.aid_type))
    by_type = _usage(records, lambda r: r.aid_type)
    december = [r for r in records if r.aid_date.month == 12]
    three_types = [r for r in valid_records(model) if r.aid_type != WARMTH]
    filed = {r.person.id_number for r in three_types if r.person.file is not None}
    files = [p.file for p in model.persons if p.file is not None and not p.file.bad_household]
    open_files = [f for f in files if f.status == "在档"]
    actual = {t: by_type[t][2] for t in (LIVING, EDUCATION, MEDICAL)}
    targets = EXPECTED["targets_persons"]
    living_times = by_type[LIVING][1]
    return {
        "usage": usage,
        "by_type": by_type,
        "december_usage": _usage(december, lambda r: (r.source, r.aid_type)),
        "living_grade": next((g for g, least in LIVING_GRADES if living_times >= least), "差"),
        "central_and_province_spent_fen": sum(
            r.amount_fen for r in valid_records(model) if r.source in (CENTRAL, PROVINCE)
        ),
        "three_type_persons": len({r.person.id_number for r in three_types}),
        "three_type_filed_persons": len(filed),
        "three_type_nonfiled_persons": len(
            {r.person.id_number for r in three_types if r.person.file is None}
        ),
        "closing_fen": closing_balances(model, model.ledger),
        "received_fen": _ledger_sums(model, "上级拨入", "本级安排"),
        "interest_fen": _ledger_sums(model, "利息收入"),
        "carry_over_fen": _ledger_sums(model, "结转下年"),
        "filed_education_fen": sum(
            r.amount_fen
            for r in three_types
            if r.aid_type == EDUCATION and r.person.file is not None
        ),
        "nonfiled_education_fen": sum(
            r.amount_fen for r in three_types if r.aid_type == EDUCATION and r.person.file is None
        ),
        "aid_records": len(valid_records(model)),
        "aid_rows_bad": len(model.records) - len(valid_records(model)),
        "june_records_exported_twice": sum(r.aid_date.month == 6 for r in model.records),
        "cash_records": sum(r.cash for r in model.records),
        "bank_rows": len(model.bank_rows),
        "completion_percent": {t: actual[t] * 100 // targets[t] for t in targets},
        "files_total": len(files),
        "files_open_by_hardship": dict(Counter(f.hardship for f in open_files)),
        "files_out_of_hardship": sum(f.status == "脱困" for f in files),
        "files_closed_by_reason": dict(
            Counter(f.close_reason for f in files if f.status == "注销")
        ),
    }


def _ledger_sums(model: Model, *categories: str) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for row in model.ledger:
        if row.category in categories:
            sums[row.source] += row.amount_fen
    return dict(sums)


def check_figures(model: Model) -> None:
    """Refuse to write a sample whose figures are not the report's."""
    actual = figures(model)
    for key, value in actual.items():
        if value != EXPECTED[key]:
            raise AssertionError(f"{key}: generated {value!r}, expected {EXPECTED[key]!r}")
    living_per_file: Counter[str] = Counter()
    for record in valid_records(model):
        if record.aid_type == LIVING:
            living_per_file[record.person.filed.number] += record.amount_fen
    assert max(living_per_file.values()) <= 6 * 62_000 + 6 * 65_900
