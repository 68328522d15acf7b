"""Sample inputs for the aid-fund reconciliation: the 裕安区 2021 reference case, or N records.

    python -m tests.generator.generate OUT_DIR [--seed S]              # the reference case
    python -m tests.generator.generate OUT_DIR --records N [--seed S]  # the same at scale

In: nothing but the arguments (N in digits, or with k or m: 100k, 10m). Out: input files in
OUT_DIR, byte for byte the same for the same arguments. The committed files in sample_data/ are
the reference case with the default seed (`make sample` writes them again; `make scale` writes
a folder per size in SIZES, by default 100k and 1m, for `make bench`).

The reference case reproduces the district's 2021 self-evaluation report record by record
(`EXPECTED`, amounts in fen): 中央 620,000.00 and 省财政 300,000.00 received, 916,950.00 of it
spent — 生活救助 179,600.00 to 26 people, 医疗救助 528,500.00 to 47, 助学救助 208,850.00 to 34
filed students — and 22 non-filed students paid 2,000.00 each from 省总金秋助学资金 (30,000.00)
and 本级工会经费 (14,000.00): 129 people, 107 filed. 送温暖 (24,000.00 to 40 people, 本级工会经费)
is outside the three aid types. Worker files at year end: 39 深度困难, 29 相对困难, 17 意外致困 在档;
50 脱困; 注销 4 退休, 9 解除劳动关系, 3 死亡, 2 四类排除.

Files (sample_data/ holds just these, as a clerk's folder would):
    参数设置.xlsx          parameters: 低保标准, 资金来源, 救助标准, 年度目标
    资金收支台账2021.xlsx   fund ledger: income, 结转下年, 账面余额
    困难职工档案.xlsx       worker files (title rows, footers, a 说明 sheet to skip)
    救助明细_1-6月.xlsx     aid records January-June
    救助明细_6-12月.xlsx    aid records June-December (alias headers; June is in both files)
    代发明细_2021Q1.xlsx    bank results Q1
    bank_2021Q2.csv        bank results Q2, GBK
    代发回单_2021Q3.txt     bank results Q3, tab-separated GB18030
    代发明细_2021Q4.xlsx    bank results Q4, two sheets (two batches)
    民政核对结果.xlsx       civil-affairs checks
    医保结算核对.csv        medical-insurance settlements, UTF-8 with BOM

Planted anomalies: valid rows that later rules must find (code, rules, file / sheet / row /
column: what). Rows are Excel row numbers; for CSV/TXT, line numbers.
    A1 R19      救助明细_6-12月.xlsx / 救助记录 / 136 / 记录编号:
        四季度生活救助，银行代发失败（账户冻结）且未重发
    A1 R19      代发明细_2021Q4.xlsx / 第一批 / 27 / 处理结果:
        代发失败（账户冻结），此后各批次未再发放
    A2 R03      救助明细_1-6月.xlsx / 救助明细 / 69 / 救助金额:
        银行实发金额比救助金额多 100.00
    A2 R03      bank_2021Q2.csv /  / 15 / 代发金额:
        实发金额比救助记录多 100.00
    A3 R04      代发回单_2021Q3.txt /  / 92 / 账户名称:
        户名为配偶姓名，与受助人不符
    A4 R05      救助明细_1-6月.xlsx / 救助明细 / 63 / 收款卡号:
        收款卡号不是档案登记的银行卡
    A4 R05      代发明细_2021Q1.xlsx / 代发明细 / 58 / 账号:
        代发至非档案登记的银行卡
    A5 R07      困难职工档案.xlsx / 困难职工档案 / 150 / 脱困注销日期:
        档案 2021-09-30 注销（退休），10月仍发放生活救助
    A5 R07      救助明细_6-12月.xlsx / 救助记录 / 135 / 发放日期:
        档案已于 2021-09-30 注销，仍发放生活救助
    A6 R15      救助明细_6-12月.xlsx / 救助记录 / 114 / 签收:
        现金发放，未实名签收
    A7 R16      救助明细_6-12月.xlsx / 救助记录 / 131 / 系统录入日期:
        救助后第 45 个工作日才录入系统
    A8 R18      救助明细_6-12月.xlsx / 救助记录 / 49 / 公示日期:
        公示日期晚于救助日期

Planted bad rows: extra rows that validation must reject (they are not in the figures and no
bank row pays them), and the June records exported twice:
    B1          救助明细_1-6月.xlsx / 救助明细 / 66 / 救助金额:
        救助金额 1,234.567（三位小数）
    B2          救助明细_1-6月.xlsx / 救助明细 / 70 / 身份证号:
        身份证号校验位错误
    B3          救助明细_6-12月.xlsx / 救助记录 / 37 / 证件号码:
        身份证号被 Excel 存成数字，只剩 15 位有效数字
    B4          救助明细_1-6月.xlsx / 救助明细 / 61 / 救助日期:
        救助日期 2021-02-30 不存在
    B5          救助明细_6-12月.xlsx / 救助记录 / 121 / 资金渠道:
        资金来源“市慈善总会资金”不在参数表中
    B6          bank_2021Q2.csv /  / 35 / 收款账号:
        账号被 Excel 存成 6.21700E+18，无法还原
    B7          困难职工档案.xlsx / 困难职工档案 / 105 / 家庭人数:
        家庭人口为 0
    B8          救助明细_6-12月.xlsx / 救助记录 / 162 / 发放金额:
        救助金额为负数 -500.00
    B9          救助明细_6-12月.xlsx / 救助记录 / 3 / 记录编号:
        JZ20210100 已在 救助明细_1-6月.xlsx 第 104 行导出，重复导出
    B9          救助明细_6-12月.xlsx / 救助记录 / 4 / 记录编号:
        JZ20210101 已在 救助明细_1-6月.xlsx 第 105 行导出，重复导出
    B9          救助明细_6-12月.xlsx / 救助记录 / 5 / 记录编号:
        JZ20210102 已在 救助明细_1-6月.xlsx 第 106 行导出，重复导出

Not findings, but things the pipeline must get right: one transfer pays 生活救助 + 送温暖 of the
same person on the same day (N:1); one payment refused for 户名不符 (the name was sent with a
full-width space) and re-paid in the next quarter; two cash payments signed for; a worker file
with the old 15-digit ID; IDs with lower-case x or spaces; 阿依古丽·买买提 written with ·, • and ．;
"张　伟" and " 李娜 " in the aid records; card numbers in groups of four; 金秋 money spent to the
last fen (so it has no 账面余额 row: ledger amounts are > 0).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.generator.layout import REFERENCE_FILES, Planted, write_reference
from tests.generator.reference import EXPECTED, build_model
from tests.generator.scale import generate_scale

DEFAULT_SEED = 2021
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

# Which rules each planted anomaly is for.
ANOMALY_RULES = {
    "A1": "R19",
    "A2": "R03",
    "A3": "R04",
    "A4": "R05",
    "A5": "R07",
    "A6": "R15",
    "A7": "R16",
    "A8": "R18",
}

PLANTED_ANOMALIES: tuple[Planted, ...] = (
    Planted(
        "A1",
        "救助明细_6-12月.xlsx",
        "救助记录",
        136,
        "记录编号",
        "四季度生活救助，银行代发失败（账户冻结）且未重发",
    ),
    Planted(
        "A1",
        "代发明细_2021Q4.xlsx",
        "第一批",
        27,
        "处理结果",
        "代发失败（账户冻结），此后各批次未再发放",
    ),
    Planted(
        "A2", "救助明细_1-6月.xlsx", "救助明细", 69, "救助金额", "银行实发金额比救助金额多 100.00"
    ),
    Planted("A2", "bank_2021Q2.csv", "", 15, "代发金额", "实发金额比救助记录多 100.00"),
    Planted("A3", "代发回单_2021Q3.txt", "", 92, "账户名称", "户名为配偶姓名，与受助人不符"),
    Planted(
        "A4", "救助明细_1-6月.xlsx", "救助明细", 63, "收款卡号", "收款卡号不是档案登记的银行卡"
    ),
    Planted("A4", "代发明细_2021Q1.xlsx", "代发明细", 58, "账号", "代发至非档案登记的银行卡"),
    Planted(
        "A5",
        "困难职工档案.xlsx",
        "困难职工档案",
        150,
        "脱困注销日期",
        "档案 2021-09-30 注销（退休），10月仍发放生活救助",
    ),
    Planted(
        "A5",
        "救助明细_6-12月.xlsx",
        "救助记录",
        135,
        "发放日期",
        "档案已于 2021-09-30 注销，仍发放生活救助",
    ),
    Planted("A6", "救助明细_6-12月.xlsx", "救助记录", 114, "签收", "现金发放，未实名签收"),
    Planted(
        "A7",
        "救助明细_6-12月.xlsx",
        "救助记录",
        131,
        "系统录入日期",
        "救助后第 45 个工作日才录入系统",
    ),
    Planted("A8", "救助明细_6-12月.xlsx", "救助记录", 49, "公示日期", "公示日期晚于救助日期"),
)

PLANTED_BAD_ROWS: tuple[Planted, ...] = (
    Planted(
        "B1", "救助明细_1-6月.xlsx", "救助明细", 66, "救助金额", "救助金额 1,234.567（三位小数）"
    ),
    Planted("B2", "救助明细_1-6月.xlsx", "救助明细", 70, "身份证号", "身份证号校验位错误"),
    Planted(
        "B3",
        "救助明细_6-12月.xlsx",
        "救助记录",
        37,
        "证件号码",
        "身份证号被 Excel 存成数字，只剩 15 位有效数字",
    ),
    Planted("B4", "救助明细_1-6月.xlsx", "救助明细", 61, "救助日期", "救助日期 2021-02-30 不存在"),
    Planted(
        "B5",
        "救助明细_6-12月.xlsx",
        "救助记录",
        121,
        "资金渠道",
        "资金来源“市慈善总会资金”不在参数表中",
    ),
    Planted("B6", "bank_2021Q2.csv", "", 35, "收款账号", "账号被 Excel 存成 6.21700E+18，无法还原"),
    Planted("B7", "困难职工档案.xlsx", "困难职工档案", 105, "家庭人数", "家庭人口为 0"),
    Planted("B8", "救助明细_6-12月.xlsx", "救助记录", 162, "发放金额", "救助金额为负数 -500.00"),
    Planted(
        "B9",
        "救助明细_6-12月.xlsx",
        "救助记录",
        3,
        "记录编号",
        "JZ20210100 已在 救助明细_1-6月.xlsx 第 104 行导出，重复导出",
    ),
    Planted(
        "B9",
        "救助明细_6-12月.xlsx",
        "救助记录",
        4,
        "记录编号",
        "JZ20210101 已在 救助明细_1-6月.xlsx 第 105 行导出，重复导出",
    ),
    Planted(
        "B9",
        "救助明细_6-12月.xlsx",
        "救助记录",
        5,
        "记录编号",
        "JZ20210102 已在 救助明细_1-6月.xlsx 第 106 行导出，重复导出",
    ),
)

__all__ = [
    "ANOMALY_RULES",
    "DEFAULT_SEED",
    "EXPECTED",
    "PLANTED_ANOMALIES",
    "PLANTED_BAD_ROWS",
    "REFERENCE_FILES",
    "Planted",
    "describe",
    "main",
    "write_reference_case",
]


def describe(planted: Planted) -> str:
    """The two lines of the module docstring that list one planted row."""
    rules = ANOMALY_RULES.get(planted.code, "")
    where = f"{planted.file} / {planted.sheet} / {planted.excel_row} / {planted.column}"
    return f"    {planted.code + ' ' + rules:<11} {where}:\n        {planted.what}"


def write_reference_case(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Planted]:
    """Write the reference case; with the default seed, insist that the planted rows are where
    the docstring and the constants say."""
    planted = write_reference(build_model(seed), out_dir, seed)
    if seed == DEFAULT_SEED:
        expected = sorted(
            PLANTED_ANOMALIES + PLANTED_BAD_ROWS,
            key=lambda p: (p.code, REFERENCE_FILES.index(p.file), p.excel_row),
        )
        if planted != expected:
            moved = [describe(p) for p in planted if p not in expected]
            raise AssertionError("planted rows moved; update generate.py:\n" + "\n".join(moved))
    return planted


def record_count(text: str) -> int:
    """A record count as digits, or with k (thousand) or m (million): 100k, 1m, 10m. `make scale`
    passes the folder's name."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale > 1 else text
    if not digits.isascii() or not digits.isdigit():
        raise argparse.ArgumentTypeError(f"not a record count: {text!r} (e.g. 25000, 100k, 10m)")
    return int(digits) * scale


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.generator.generate", description="Write sample input files."
    )
    parser.add_argument("out_dir", type=Path, help="folder to write into")
    parser.add_argument(
        "--records",
        type=record_count,
        help="write N aid records (benchmark data): 25000, 100k, 10m",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.records is not None and args.records < 4:
        parser.error("--records must be at least 4")
    if args.records is not None and args.out_dir.resolve().is_relative_to(SAMPLE_DIR):
        parser.error("write scale data outside sample_data/, e.g. /tmp/aid-fund-scale/1m")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.records is None:
        started = time.perf_counter()
        planted = write_reference_case(args.out_dir, args.seed)
        print(
            f"reference case written to {args.out_dir} in "
            f"{time.perf_counter() - started:.1f} s; planted rows:"
        )
        for entry in planted:
            print(describe(entry))
        return 0
    seconds = generate_scale(args.out_dir, args.records, args.seed)
    print(
        f"{args.records} aid records written to {args.out_dir}: draw {seconds['draw']:.1f} s, "
        f"write {seconds['write']:.1f} s, total {seconds['total']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
