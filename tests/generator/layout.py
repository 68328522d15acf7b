"""The reference model written out as the files finance staff would drop into one folder.

In: a `Model` (reference.py) and a seed for the cell styles. Out: eleven files in OUT_DIR, each
formatted the way its source system formats it (title rows, aliases, GBK, mixed dates and
amounts ...), and the list of where every planted anomaly and bad row landed (`Planted`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from tests.generator.ids import old_id15, spaced
from tests.generator.messy import (
    AMOUNT_STYLES,
    DATE_STYLES,
    Cell,
    ExcelDate,
    SheetSpec,
    amount_cell,
    date_cell,
    write_delimited,
    write_workbook,
    yuan,
)
from tests.generator.reference import (
    CENTRAL,
    EDUCATION,
    JINQIU,
    LIVING,
    LIVING_GRADES,
    MEDICAL,
    PROVINCE,
    SOURCE_ALIASES,
    UNION,
    AidRecord,
    BankRow,
    Model,
    Person,
)

PARAMETERS = "参数设置.xlsx"
LEDGER = "资金收支台账2021.xlsx"
WORKERS = "困难职工档案.xlsx"
AID_H1 = "救助明细_1-6月.xlsx"
AID_H2 = "救助明细_6-12月.xlsx"
BANK_Q1 = "代发明细_2021Q1.xlsx"
BANK_Q2 = "bank_2021Q2.csv"
BANK_Q3 = "代发回单_2021Q3.txt"
BANK_Q4 = "代发明细_2021Q4.xlsx"
CIVIL = "民政核对结果.xlsx"
MEDICAL_CHECKS = "医保结算核对.csv"
REFERENCE_FILES = (
    PARAMETERS,
    LEDGER,
    WORKERS,
    AID_H1,
    AID_H2,
    BANK_Q1,
    BANK_Q2,
    BANK_Q3,
    BANK_Q4,
    CIVIL,
    MEDICAL_CHECKS,
)

AMOUNT_WEIGHTS = (40, 15, 10, 10, 5, 20)
DATE_WEIGHTS = (35, 15, 15, 10, 10, 10, 5)


class Planted(NamedTuple):
    """Where a planted anomaly or bad row is. excel_row is 1-based; for CSV/TXT it is the line
    number and sheet is empty."""

    code: str
    file: str
    sheet: str
    excel_row: int
    column: str
    what: str


class Styles:
    """Random but reproducible choices of how a cell is written."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"cells-{seed}")

    def amount(self, fen: int) -> float | str:
        return amount_cell(fen, self.rng.choices(AMOUNT_STYLES, AMOUNT_WEIGHTS)[0])

    def day(self, day: date | None) -> Cell:
        if day is None:
            return None
        return date_cell(day, self.rng.choices(DATE_STYLES, DATE_WEIGHTS)[0])

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def card(self, card: str, spaced_share: float = 0.25) -> str:
        return spaced(card) if card and self.chance(spaced_share) else card

    def source(self, source: str) -> str:
        return self.rng.choice(SOURCE_ALIASES[source]) if self.chance(0.3) else source


def write_reference(model: Model, out_dir: Path, seed: int) -> list[Planted]:
    """Write the eleven files; returns where the planted rows landed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    styles = Styles(seed)
    planted: list[Planted] = []
    write_parameters(out_dir / PARAMETERS)
    _write_ledger(out_dir / LEDGER, model, styles)
    planted += _write_workers(out_dir / WORKERS, model, styles)
    planted += _write_aid_files(out_dir, model, styles)
    planted += _write_bank_files(out_dir, model, styles)
    _write_civil(out_dir / CIVIL, model, styles)
    _write_medical(out_dir / MEDICAL_CHECKS, model)
    return sorted(planted, key=lambda p: (p.code, REFERENCE_FILES.index(p.file), p.excel_row))


# ---- parameters and ledger --------------------------------------------------------------------


def write_parameters(path: Path) -> None:
    three = "生活救助、医疗救助、助学救助"
    sheets = [
        SheetSpec(
            "低保标准",
            ("行政区划代码", "地区名称", "执行日期", "月标准"),
            [
                ("341503", "裕安区", ExcelDate(44013), 620),  # 2020-07-01
                ("341503", "裕安区", ExcelDate(44378), 659),  # 2021-07-01
                ("341502", "金安区", ExcelDate(44378), 659),
            ],
            widths=(14, 10, 12, 8),
        ),
        SheetSpec(
            "资金来源",
            ("资金来源", "简称", "性质", "使用期限", "允许救助类型", "限建档对象", "可结转"),
            [
                (
                    CENTRAL,
                    "、".join(SOURCE_ALIASES[CENTRAL]),
                    "财政",
                    "次年02-28",
                    three,
                    "是",
                    "否",
                ),
                (
                    PROVINCE,
                    "、".join(SOURCE_ALIASES[PROVINCE]),
                    "财政",
                    "次年02-28",
                    three,
                    "是",
                    "否",
                ),
                (
                    JINQIU,
                    "、".join(SOURCE_ALIASES[JINQIU]),
                    "工会经费",
                    "当年12-31",
                    "助学救助",
                    "否",
                    "否",
                ),
                (UNION, "、".join(SOURCE_ALIASES[UNION]), "工会经费", None, None, "否", "是"),
            ],
            widths=(22, 24, 10, 10, 30, 10, 8),
        ),
        SheetSpec(
            "救助标准",
            ("项目", "数值"),
            [
                ("生活救助年度上限月数", 12),
                ("助学年度上限月数", 10),
                ("医疗救助比例", 0.5),
                ("医疗救助封顶", 15000),
                ("录入时限工作日", 30),
                ("办理时限工作日", 30),
                ("核对有效期月数", 12),
                ("重复判定天数", 15),
            ],
            widths=(22, 10),
        ),
        SheetSpec(
            "年度目标",
            ("年度", "救助类型", "目标人数", "目标人次", "目标金额", "优", "良", "中"),
            [
                (2021, LIVING, 20, 80, None, *(least for _grade, least in LIVING_GRADES)),
                (2021, EDUCATION, 20),
                (2021, MEDICAL, 10),
            ],
            widths=(8, 12, 10, 10, 10, 6, 6, 6),
        ),
    ]
    write_workbook(path, sheets)


def _write_ledger(path: Path, model: Model, styles: Styles) -> None:
    order = ("上年结转", "上级拨入", "本级安排", "利息收入", "结转下年", "账面余额")
    rows = []
    for row in sorted(model.ledger, key=lambda r: (r.day, order.index(r.category), r.source)):
        amount: Cell = row.amount_fen / 100
        if row.source == CENTRAL and row.category == "上级拨入":
            amount = amount_cell(row.amount_fen, "comma")  # typed in by hand, as text
        rows.append(
            (
                row.written_source,
                2021,
                row.category,
                amount,
                styles.day(row.day),
                row.document or None,
                row.note,
            )
        )
    sheet = SheetSpec(
        "收支台账",
        ("资金来源", "资金年度", "收支类别", "金额", "到账日期", "文号", "备注"),
        rows,
        titles=("2021年帮扶资金收支台账",),
        footers=(None, ("制表人：财务部 刘敏",)),
        widths=(24, 10, 10, 14, 12, 22, 24),
    )
    write_workbook(path, [sheet])


# ---- worker files -----------------------------------------------------------------------------

WORKER_HEADER = (
    "档案号",
    "姓名",
    "身份证号",
    "性别",
    "工作单位",
    "所属工会",
    "行政区划代码",
    "建档标准",
    "困难程度",
    "职工类别",
    "家庭人数",
    "家庭月收入",
    "致困原因",
    "建档日期",
    "档案状态",
    "脱困注销日期",
    "注销原因",
    "银行卡号",
    "开户行",
)


def _written_id(person: Person, where: str) -> str:
    """How each system writes this person's ID."""
    id_number = person.id_number
    if where == "workers" and person.old_id15:
        return old_id15(id_number)
    lower_x_in = {
        "workers": ("M10", "S05"),
        "aid": ("L05", "N03"),
        "civil": ("L05",),
        "medical": ("M10",),
    }
    if person.key in lower_x_in.get(where, ()):
        return id_number.lower()
    spaced_in = {"aid": "S12", "civil": "M15"}
    if spaced_in.get(where) == person.key:
        return f"{id_number[:6]} {id_number[6:14]} {id_number[14:]}"
    return id_number


def _written_name(person: Person, where: str) -> str:
    variants = {
        "aid": {"M05": "阿依古丽•买买提", "M12": "张\u3000伟", "S03": " 李娜 "},
        "civil": {"M05": "阿依古丽．买买提", "L07": person.name + "\u3000"},
    }
    return variants.get(where, {}).get(person.key, person.name)


def _write_workers(path: Path, model: Model, styles: Styles) -> list[Planted]:
    filed = sorted((p for p in model.persons if p.file), key=lambda p: p.filed.number)
    rows = [_worker_row(p, styles) for p in filed]
    sheet = SheetSpec(
        "困难职工档案",
        WORKER_HEADER,
        rows,
        titles=("裕安区困难职工档案信息表", ("导出日期：2022-01-05",)),
        footers=(None, (f"合计：{len(rows)}户",), ("制表人：王芳",), ("打印日期：2022-01-05",)),
        widths=(16, 10, 20, 5, 26, 28, 12, 8, 10, 8, 8, 10, 18, 12, 8, 12, 12, 24, 24),
    )
    notes = SheetSpec(
        "说明",
        (),
        [],
        free_text=True,
        titles=(
            ("本表由全国工会帮扶工作管理系统导出，数据截至2021年12月31日。",),
            ("档案状态：在档、脱困、注销；脱困、注销的档案列出状态变更日期。",),
            ("建档标准分全国级、省级、地市级、区县级、基层。",),
            ("如有疑问请联系区总工会职工服务中心。",),
        ),
    )
    write_workbook(path, [sheet, notes])
    planted = []
    for index, person in enumerate(filed):
        row = sheet.header_row + 1 + index
        if person.filed.bad_household:
            planted.append(Planted("B7", WORKERS, sheet.name, row, "家庭人数", "家庭人口为 0"))
        if person.key == "L02":
            planted.append(
                Planted(
                    "A5",
                    WORKERS,
                    sheet.name,
                    row,
                    "脱困注销日期",
                    "档案 2021-09-30 注销（退休），10月仍发放生活救助",
                )
            )
    return planted


def _worker_row(person: Person, styles: Styles) -> list[Cell]:
    file = person.filed
    sex = "男" if int(person.id_number[16]) % 2 else "女"
    return [
        file.number,
        person.name,
        _written_id(person, "workers"),
        sex,
        file.employer,
        file.employer + "工会",
        "341503",
        file.level,
        file.hardship,
        file.category,
        0 if file.bad_household else file.household,
        file.income_fen / 100,
        file.cause,
        styles.day(file.filed_on),
        file.status,
        styles.day(file.status_date),
        file.close_reason or None,
        styles.card(person.card, 0.3),
        person.bank,
    ]


# ---- aid records ------------------------------------------------------------------------------

AID_HEADER_H1 = (
    "救助编号",
    "档案编号",
    "姓名",
    "身份证号",
    "救助类型",
    "资金来源",
    "资金年度",
    "救助金额",
    "申请日期",
    "公示日期",
    "救助日期",
    "录入日期",
    "发放方式",
    "实名签收",
    "收款卡号",
    "受助学生",
    "学段",
    "备注",
)
# The second export came from another report template: the aliases of the same columns.
AID_HEADER_H2 = (
    "记录编号",
    "档案号",
    "姓名",
    "证件号码",
    "帮扶类型",
    "资金渠道",
    "资金年度",
    "发放金额",
    "申请日期",
    "公示日期",
    "发放日期",
    "系统录入日期",
    "发放方式",
    "签收",
    "收款卡号",
    "学生姓名",
    "学段",
    "备注",
)
CIVIL_HEADER = (
    "序号",
    "申请人",
    "身份证号",
    "核对日期",
    "家庭人口",
    "家庭月收入",
    "人均月收入",
    "核对结论",
    "不符合原因",
    "是否低保",
)
AID_COLUMN = {
    name: i
    for i, name in enumerate(
        (
            "number",
            "file",
            "name",
            "id",
            "type",
            "source",
            "year",
            "amount",
            "applied",
            "announced",
            "aid_date",
            "entered",
            "method",
            "signed",
            "card",
            "student",
            "stage",
            "note",
        )
    )
}
BAD_COLUMN = {
    "B1": "amount",
    "B2": "id",
    "B3": "id",
    "B4": "aid_date",
    "B5": "source",
    "B8": "amount",
}
BAD_WHAT = {
    "B1": "救助金额 1,234.567（三位小数）",
    "B2": "身份证号校验位错误",
    "B3": "身份证号被 Excel 存成数字，只剩 15 位有效数字",
    "B4": "救助日期 2021-02-30 不存在",
    "B5": "资金来源“市慈善总会资金”不在参数表中",
    "B8": "救助金额为负数 -500.00",
}
ANOMALY_COLUMN = {
    "A1": "number",
    "A2": "amount",
    "A4": "card",
    "A5": "aid_date",
    "A6": "signed",
    "A7": "entered",
    "A8": "announced",
}
ANOMALY_WHAT = {
    "A1": "四季度生活救助，银行代发失败（账户冻结）且未重发",
    "A2": "银行实发金额比救助金额多 100.00",
    "A4": "收款卡号不是档案登记的银行卡",
    "A5": "档案已于 2021-09-30 注销，仍发放生活救助",
    "A6": "现金发放，未实名签收",
    "A7": "救助后第 45 个工作日才录入系统",
    "A8": "公示日期晚于救助日期",
}


def _write_aid_files(out_dir: Path, model: Model, styles: Styles) -> list[Planted]:
    first_half = [r for r in model.records if r.aid_date.month <= 6]
    second_half = [r for r in model.records if r.aid_date.month >= 6]
    layouts = (
        (
            AID_H1,
            AID_HEADER_H1,
            first_half,
            15,
            (
                "救助明细（2021年1-6月）",
                (
                    "导出单位：裕安区总工会职工服务中心",
                    None,
                    None,
                    None,
                    None,
                    "导出时间：2021-07-15 09:30",
                ),
            ),
        ),
        (AID_H2, AID_HEADER_H2, second_half, 40, ("2021年6-12月帮扶救助记录",)),
    )
    planted: list[Planted] = []
    first_rows: dict[str, int] = {}
    for name, header, records, blank_after, titles in layouts:
        rows: list[Sequence[Cell] | None] = []
        where: dict[str, int] = {}
        for record in records:
            if len(rows) == blank_after:
                rows.append(None)  # an empty line the export left in the middle
            where[record.number] = len(titles) + 2 + len(rows)
            rows.append(_aid_row(record, styles))
        sheet = SheetSpec(
            "救助明细" if name == AID_H1 else "救助记录",
            header,
            rows,
            titles=titles,
            footers=_aid_footers(name, records),
            widths=(12, 16, 14, 21, 10, 22, 8, 12, 12, 12, 12, 12, 8, 8, 24, 10, 6, 22),
        )
        write_workbook(out_dir / name, [sheet])
        for record in records:
            row = where[record.number]
            planted += _aid_planted(name, sheet.name, header, record, row)
            if name == AID_H1 and record.aid_date.month == 6:
                first_rows[record.number] = row
            if name == AID_H2 and record.number in first_rows:
                planted.append(
                    Planted(
                        "B9",
                        name,
                        sheet.name,
                        row,
                        header[0],
                        f"{record.number} 已在 {AID_H1} 第 {first_rows[record.number]}"
                        " 行导出，重复导出",
                    )
                )
    return planted


def _aid_planted(
    file: str, sheet: str, header: Sequence[str], record: AidRecord, row: int
) -> list[Planted]:
    if record.tag in BAD_COLUMN:
        column = header[AID_COLUMN[BAD_COLUMN[record.tag]]]
        return [Planted(record.tag, file, sheet, row, column, BAD_WHAT[record.tag])]
    if record.tag in ANOMALY_COLUMN:
        column = header[AID_COLUMN[ANOMALY_COLUMN[record.tag]]]
        return [Planted(record.tag, file, sheet, row, column, ANOMALY_WHAT[record.tag])]
    return []


def _aid_footers(name: str, records: list[AidRecord]) -> list[Sequence[Cell] | None]:
    total = sum(r.amount_fen for r in records if not r.tag.startswith("B"))
    if name == AID_H1:
        totals: list[Cell] = [None] * len(AID_HEADER_H1)
        totals[0], totals[AID_COLUMN["amount"]] = "合计", total / 100
        return [
            None,
            totals,
            ("制表人：王芳", None, None, None, "审核人：陈静"),
            ("打印日期：2021-07-15",),
        ]
    return [None, (f"合计：{len(records)}条",), ("打印日期：2022-01-05",)]


def _aid_row(record: AidRecord, styles: Styles) -> list[Cell]:
    person = record.person
    card = styles.card(record.card)
    if person.file is not None and record.tag != "A4" and styles.chance(0.1):
        card = ""  # the export leaves the card out when it is the one on file
    row: list[Cell] = [
        record.number,
        person.file.number if person.file else None,
        _written_name(person, "aid"),
        _written_id(person, "aid"),
        record.aid_type,
        styles.source(record.source),
        None if styles.chance(0.2) else 2021,
        styles.amount(record.amount_fen),
        styles.day(record.applied),
        styles.day(record.announced),
        styles.day(record.aid_date),
        styles.day(record.entered),
        "现金" if record.cash else "银行卡",
        record.signed or None,
        card or None,
        record.student or None,
        record.stage or None,
        record.note or None,
    ]
    if record.tag in BAD_COLUMN:
        row[AID_COLUMN[BAD_COLUMN[record.tag]]] = record.bad_value
    return row


# ---- bank results -----------------------------------------------------------------------------

BANK_HEADERS = {
    BANK_Q1: ("序号", "户名", "账号", "交易金额", "交易日期", "处理结果", "失败原因", "用途"),
    BANK_Q2: ("收款人姓名", "收款账号", "代发金额", "入账日期", "交易状态", "备注", "摘要"),
    BANK_Q3: ("账户名称", "卡号", "证件号码", "金额", "处理日期", "状态", "备注", "附言"),
    BANK_Q4: (
        "批次号",
        "收款人",
        "银行卡号",
        "交易金额",
        "交易日期",
        "处理结果",
        "失败原因",
        "摘要",
    ),
}
# tag -> (column: 0 name, 1 card, 2 amount, 3 date, 4 status; what)
BANK_WHAT = {
    "A1": (4, "代发失败（账户冻结），此后各批次未再发放"),
    "A2": (2, "实发金额比救助记录多 100.00"),
    "A3": (0, "户名为配偶姓名，与受助人不符"),
    "A4": (1, "代发至非档案登记的银行卡"),
    "B6": (1, "账号被 Excel 存成 6.21700E+18，无法还原"),
}


def _bank_values(row: BankRow, styles: Styles) -> dict[str, Cell]:
    card = row.bad_value if row.tag == "B6" else styles.card(row.card, 0.2)
    return {
        "name": row.name,
        "card": card,
        "amount": yuan(row.amount_fen),
        "status": "成功" if row.ok else "失败",
        "reason": row.reason or None,
        "memo": row.memo,
    }


def _write_bank_files(out_dir: Path, model: Model, styles: Styles) -> list[Planted]:
    batches: dict[str, list[BankRow]] = {}
    for row in model.bank_rows:
        batches.setdefault(row.batch, []).append(row)
    planted = _bank_q1(out_dir, batches["2021Q1"], styles)
    planted += _bank_q2(out_dir, batches["2021Q2"], styles)
    planted += _bank_q3(out_dir, batches["2021Q3"], styles)
    planted += _bank_q4(out_dir, batches["2021Q4-1"], batches["2021Q4-2"], styles)
    return planted


def _bank_planted(file: str, sheet: str, row_number: int, row: BankRow) -> list[Planted]:
    if row.tag not in BANK_WHAT:
        return []
    column, what = BANK_WHAT[row.tag]
    return [Planted(row.tag, file, sheet, row_number, _bank_column(file, column), what)]


def _bank_column(file: str, canonical_index: int) -> str:
    """Header of the canonical column (0 name, 1 card, 2 amount, 3 date, 4 status) in a file."""
    header = BANK_HEADERS[file]
    offset = {BANK_Q1: 1, BANK_Q2: 0, BANK_Q3: 0, BANK_Q4: 1}[file]
    if file == BANK_Q3 and canonical_index >= 2:
        offset = 1  # 证件号码 sits between 卡号 and 金额
    return header[canonical_index + offset]


def _bank_q1(out_dir: Path, rows: list[BankRow], styles: Styles) -> list[Planted]:
    cells = []
    for serial, row in enumerate(rows, start=1):
        v = _bank_values(row, styles)
        cells.append(
            (
                serial,
                v["name"],
                v["card"],
                v["amount"],
                styles.day(row.paid_on),
                v["status"],
                v["reason"],
                v["memo"],
            )
        )
    total = yuan(sum(r.amount_fen for r in rows if r.ok))
    sheet = SheetSpec(
        "代发明细",
        BANK_HEADERS[BANK_Q1],
        cells,
        titles=(
            "中国建设银行代发业务明细",
            ("委托单位：六安市裕安区总工会", None, "查询期间：2021-01-01至2021-03-31"),
        ),
        footers=(
            None,
            ("合计", f"成功{sum(r.ok for r in rows)}笔", None, total),
            ("打印日期：2021-04-06",),
        ),
        widths=(6, 14, 24, 12, 12, 10, 12, 30),
    )
    write_workbook(out_dir / BANK_Q1, [sheet])
    return [
        p
        for i, row in enumerate(rows)
        for p in _bank_planted(BANK_Q1, sheet.name, sheet.header_row + 1 + i, row)
    ]


def _bank_q2(out_dir: Path, rows: list[BankRow], styles: Styles) -> list[Planted]:
    lines: list[Sequence[Cell] | None] = [BANK_HEADERS[BANK_Q2]]
    planted = []
    for row in rows:
        v = _bank_values(row, styles)
        lines.append(
            (
                v["name"],
                v["card"],
                v["amount"],
                f"{row.paid_on:%Y%m%d}",
                v["status"],
                v["reason"],
                v["memo"],
            )
        )
        planted += _bank_planted(BANK_Q2, "", len(lines), row)
    lines.append(
        (
            "合计",
            "",
            yuan(sum(r.amount_fen for r in rows if r.ok and r.tag != "B6")),
            "",
            "",
            "",
            "",
        )
    )
    write_delimited(out_dir / BANK_Q2, lines, ",", "gbk")
    return planted


def _bank_q3(out_dir: Path, rows: list[BankRow], styles: Styles) -> list[Planted]:
    lines: list[Sequence[Cell] | None] = [
        ("中国农业银行代发回单明细",),
        None,
        BANK_HEADERS[BANK_Q3],
    ]
    planted = []
    for row in rows:
        v = _bank_values(row, styles)
        id_number = row.records[0].person.id_number
        lines.append(
            (
                v["name"],
                v["card"],
                id_number,
                v["amount"],
                row.paid_on.isoformat(),
                v["status"],
                v["reason"],
                v["memo"],
            )
        )
        planted += _bank_planted(BANK_Q3, "", len(lines), row)
    lines += [None, ("打印日期：2021-10-09",)]
    write_delimited(out_dir / BANK_Q3, lines, "\t", "gb18030")
    return planted


def _bank_q4(
    out_dir: Path, first: list[BankRow], second: list[BankRow], styles: Styles
) -> list[Planted]:
    sheets, planted = [], []
    for sheet_name, batch, rows in (
        ("第一批", "DF2021Q4-01", first),
        ("第二批", "DF2021Q4-02", second),
    ):
        cells = []
        for row in rows:
            v = _bank_values(row, styles)
            cells.append(
                (
                    batch,
                    v["name"],
                    v["card"],
                    v["amount"],
                    ExcelDate(date_cell(row.paid_on, "serial")),
                    v["status"],
                    v["reason"],
                    v["memo"],
                )
            )
        sheet = SheetSpec(
            sheet_name, BANK_HEADERS[BANK_Q4], cells, widths=(14, 14, 24, 12, 12, 10, 12, 30)
        )
        sheets.append(sheet)
        planted += [
            p for i, row in enumerate(rows) for p in _bank_planted(BANK_Q4, sheet_name, 2 + i, row)
        ]
    write_workbook(out_dir / BANK_Q4, sheets)
    return planted


# ---- checks -----------------------------------------------------------------------------------


def _write_civil(path: Path, model: Model, styles: Styles) -> None:
    rows = []
    for serial, check in enumerate(model.civil_checks, start=1):
        per_head = round(check.income_fen / check.household)
        rows.append(
            (
                serial,
                _written_name(check.person, "civil"),
                _written_id(check.person, "civil"),
                styles.day(check.checked_on),
                check.household,
                check.income_fen / 100,
                per_head / 100,
                check.conclusion,
                check.reason or None,
                check.dibao,
            )
        )
    sheet = SheetSpec(
        "核对结果",
        CIVIL_HEADER,
        rows,
        titles=("居民家庭经济状况核对结果反馈表",),
        footers=(None, ("出具单位：六安市裕安区居民家庭经济状况核对中心",)),
        widths=(6, 16, 22, 12, 8, 12, 12, 8, 14, 8),
    )
    write_workbook(path, [sheet])


def _write_medical(path: Path, model: Model) -> None:
    lines: list[Sequence[Cell] | None] = [
        (
            "姓名",
            "身份证号",
            "结算年度",
            "医疗总费用",
            "统筹基金支付",
            "大病保险支付",
            "医疗救助支付",
            "其他补充支付",
            "个人自付",
        )
    ]
    for check in model.medical_checks:
        lines.append(
            (
                check.person.name,
                _written_id(check.person, "medical"),
                check.year,
                yuan(check.total_fen),
                yuan(check.pooled_fen),
                yuan(check.serious_fen),
                yuan(check.civil_aid_fen),
                yuan(check.other_fen),
                yuan(check.self_paid_fen),
            )
        )
    write_delimited(path, lines, ",", "utf-8-sig")
