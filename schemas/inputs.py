"""The input kinds of contract §2: one pandera model per kind and per parameters sheet.

Each field names its canonical Chinese header (``alias``), the other headers exports use for it
(``metadata["aliases"]``) and how its text is parsed (``metadata["parse"]``: money, date, id, card,
name, int, decimal, text). A field typed ``Optional`` may be absent from an export; every other
field must be in the header. Fields marked ``key`` are the signature that recognises the kind
from a header row. Validation runs on frames whose columns are the canonical headers and whose
index is a plain RangeIndex (pandera 0.35 skips ``isin`` checks on other indexes).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

AID_TYPES = ("生活救助", "医疗救助", "助学救助", "送温暖", "其他帮扶")
FILE_LEVELS = ("全国级", "省级", "地市级", "区县级", "基层")
HARDSHIP_TYPES = ("深度困难", "相对困难", "意外致困")
FILE_STATUSES = ("在档", "脱困", "注销")
CLOSE_REASONS = ("退休", "解除劳动关系", "死亡", "四类排除", "其他")
LEDGER_CATEGORIES = (
    "上年结转",
    "上级拨入",
    "本级安排",
    "利息收入",
    "追缴收回",
    "其他转入",
    "调出",
    "结转下年",
    "账面余额",
)
YES_NO = ("是", "否")
DAY_TYPES = ("休息日", "工作日")
DAY_TYPE_WORDS = {
    word: "休息日" for word in ("休", "休息", "放假", "假日", "节假日", "法定节假日")
} | {word: "工作日" for word in ("班", "上班", "补班", "调休上班", "调班")}
YES_NO_WORDS = {"Y": "是", "N": "否", "y": "是", "n": "否", "已签收": "是", "未签收": "否"}
BANK_STATUS_WORDS = {
    word: "成功" for word in ("交易成功", "处理成功", "代发成功", "入账成功", "已入账", "成功入账")
} | {
    word: "失败"
    for word in ("交易失败", "处理失败", "代发失败", "入账失败", "退回", "失败退回", "退票")
}
PAY_METHOD_WORDS = {"打卡": "银行卡", "银行代发": "银行卡", "转账": "银行卡", "银行转账": "银行卡"}


def col(
    header: str,
    *aliases: str,
    parse: str = "text",
    key: bool = False,
    nullable: bool = False,
    synonyms: dict[str, str] | None = None,
    names: str = "",
    **checks: Any,
) -> Any:
    """A pandera Field for one input column: its header, aliases, parser and checks.

    ``synonyms`` maps the words other systems use for an allowed value (a bank's 交易成功) to
    the value itself (成功) before the checks run. ``names``: "record" for the row's own number
    (救助编号, 档案编号, 批次号), "person" for whom it concerns (姓名, 户名) — what a clerk looks
    a rejected row up by in the system it came from.
    """
    return pa.Field(
        alias=header,
        nullable=nullable,
        metadata={
            "aliases": aliases,
            "parse": parse,
            "key": key,
            "synonyms": synonyms or {},
            "names": names,
        },
        **checks,
    )


class InputModel(pa.DataFrameModel):
    """Shared configuration: extra columns are allowed (they are reported, not used)."""

    class Config:
        strict = False
        coerce = False


class WorkerFile(InputModel):
    """困难职工档案: one row per household file, from the national aid system."""

    file_no: Series[str] = col("档案编号", "档案号", key=True, names="record")
    name: Series[str] = col("姓名", "职工姓名", parse="name", names="person")
    id_no: Series[str] = col("身份证号", "身份证号码", "公民身份号码", "证件号码", parse="id")
    sex: Series[str] | None = col("性别", nullable=True, isin=["男", "女"])
    employer: Series[str] = col("工作单位", "单位名称", nullable=True)
    union: Series[str] | None = col("所属工会", "工会名称", nullable=True)
    region_code: Series[str] = col("行政区划代码", "地区代码", str_matches=r"^\d{6}$")
    file_level: Series[str] = col("建档标准", "建档级别", "档案级别", isin=list(FILE_LEVELS))
    hardship_type: Series[str] = col("困难类型", "困难程度", key=True, isin=list(HARDSHIP_TYPES))
    worker_type: Series[str] = col("职工类别", "人员类别", nullable=True, isin=["职工", "农民工"])
    household_size: Series[pd.Int64Dtype] = col(
        "家庭人口", "家庭人数", parse="int", nullable=True, ge=1
    )
    household_income_fen: Series[pd.Int64Dtype] = col(
        "家庭月收入", "家庭月总收入", parse="money", nullable=True
    )
    hardship_cause: Series[str] = col("致困原因", nullable=True)
    filed_on: Series[pd.Timestamp] = col("建档日期", parse="date", nullable=True)
    status: Series[str] = col("档案状态", "状态", key=True, isin=list(FILE_STATUSES))
    status_changed_on: Series[pd.Timestamp] = col(
        "状态变更日期", "脱困注销日期", parse="date", nullable=True
    )
    close_reason: Series[str] = col("注销原因", nullable=True, isin=list(CLOSE_REASONS))
    card_no: Series[str] = col("银行卡号", "银行账号", "卡号", parse="card", nullable=True)
    bank: Series[str] | None = col("开户行", nullable=True)

    @pa.dataframe_check(name="状态变更日期", error="档案状态为脱困或注销时，状态变更日期必填")
    def status_date_when_closed(cls, df: pd.DataFrame) -> pd.Series:
        """A closed file must say when it closed: aid after that date is a finding."""
        return ~df["档案状态"].isin(["脱困", "注销"]) | df["状态变更日期"].notna()

    @pa.dataframe_check(name="注销原因", error="档案状态为注销时，注销原因必填")
    def reason_when_cancelled(cls, df: pd.DataFrame) -> pd.Series:
        """The 注销 headcount by reason needs every cancellation's reason."""
        return (df["档案状态"] != "注销") | df["注销原因"].notna()


class AidRecord(InputModel):
    """帮扶救助记录: one row per disbursement, from the national aid system."""

    record_id: Series[str] = col("救助编号", "记录编号", "流水号", key=True, names="record")
    file_no: Series[str] = col("档案编号", "档案号", nullable=True, names="record")
    name: Series[str] = col("姓名", parse="name", names="person")
    id_no: Series[str] = col("身份证号", "身份证号码", "证件号码", parse="id")
    aid_type: Series[str] = col("救助类型", "帮扶类型", "救助项目", key=True, isin=list(AID_TYPES))
    source: Series[str] = col("资金来源", "资金渠道")
    fund_year: Series[pd.Int64Dtype] | None = col(
        "资金年度", parse="int", nullable=True, in_range={"min_value": 1990, "max_value": 2100}
    )
    amount_fen: Series[pd.Int64Dtype] = col("救助金额", "金额", "发放金额", parse="money", gt=0)
    applied_on: Series[pd.Timestamp] | None = col("申请日期", parse="date", nullable=True)
    announced_on: Series[pd.Timestamp] | None = col("公示日期", parse="date", nullable=True)
    aid_date: Series[pd.Timestamp] = col("救助日期", "审批日期", "发放日期", parse="date")
    entered_on: Series[pd.Timestamp] = col("录入日期", "系统录入日期", parse="date", nullable=True)
    pay_method: Series[str] = col(
        "发放方式", nullable=True, synonyms=PAY_METHOD_WORDS, isin=["银行卡", "现金"]
    )
    signed: Series[str] | None = col(
        "实名签收", "签收", nullable=True, synonyms=YES_NO_WORDS, isin=list(YES_NO)
    )
    card_no: Series[str] | None = col("收款卡号", "银行卡号", parse="card", nullable=True)
    student: Series[str] | None = col("受助学生", "学生姓名", parse="name", nullable=True)
    school_stage: Series[str] | None = col(
        "学段", nullable=True, isin=["高中", "中职", "大专", "本科", "研究生"]
    )
    note: Series[str] | None = col("备注", nullable=True)


class BankPayment(InputModel):
    """银行发放明细: one row per card transfer, as the bank returns a batch."""

    batch: Series[str] | None = col("批次号", "批次", "代发批次", nullable=True, names="record")
    holder: Series[str] = col(
        "户名", "收款人", "收款人姓名", "账户名称", parse="name", key=True, names="person"
    )
    account: Series[str] = col("账号", "卡号", "收款账号", "银行卡号", parse="card", key=True)
    id_no: Series[str] | None = col("身份证号", "证件号码", parse="id", nullable=True)
    amount_fen: Series[pd.Int64Dtype] = col("金额", "交易金额", "代发金额", parse="money", gt=0)
    paid_on: Series[pd.Timestamp] = col("交易日期", "入账日期", "处理日期", parse="date")
    status: Series[str] = col(
        "状态", "处理结果", "交易状态", key=True, synonyms=BANK_STATUS_WORDS, isin=["成功", "失败"]
    )
    failure_reason: Series[str] | None = col("失败原因", "备注", nullable=True)
    memo: Series[str] | None = col("摘要", "用途", "附言", nullable=True)

    @pa.dataframe_check(name="失败原因", error="交易状态为失败时，失败原因应写明")
    def reason_when_failed(cls, df: pd.DataFrame) -> pd.Series:
        """A failure without a reason cannot be followed up with the bank."""
        return (df["状态"] != "失败") | df["失败原因"].notna()


class CivilCheck(InputModel):
    """民政核对: the civil-affairs bureau's household economic verification."""

    name: Series[str] = col("姓名", "申请人", parse="name", names="person")
    id_no: Series[str] = col("身份证号", "申请人身份证号", parse="id")
    checked_on: Series[pd.Timestamp] = col("核对日期", "出具日期", parse="date", key=True)
    household_size: Series[pd.Int64Dtype] = col("家庭人口", parse="int", nullable=True, ge=1)
    household_income_fen: Series[pd.Int64Dtype] = col("家庭月收入", parse="money", nullable=True)
    income_per_head_fen: Series[pd.Int64Dtype] = col("人均月收入", parse="money", nullable=True)
    conclusion: Series[str] = col("核对结论", "核对结果", key=True, isin=["符合", "不符合"])
    rejection_reason: Series[str] = col("不符合原因", nullable=True)
    on_dibao: Series[str] = col(
        "是否低保", "低保对象", nullable=True, synonyms=YES_NO_WORDS, isin=list(YES_NO)
    )


class MedicalCheck(InputModel):
    """医保核对: one row per person and settlement year from the medical-insurance bureau."""

    name: Series[str] = col("姓名", parse="name", names="person")
    id_no: Series[str] = col("身份证号", parse="id")
    year: Series[pd.Int64Dtype] = col(
        "结算年度", "年度", parse="int", key=True, in_range={"min_value": 1990, "max_value": 2100}
    )
    total_fen: Series[pd.Int64Dtype] = col("医疗总费用", "总费用", parse="money", nullable=True)
    pooled_fen: Series[pd.Int64Dtype] = col(
        "统筹基金支付", "基本医保支付", parse="money", nullable=True
    )
    critical_fen: Series[pd.Int64Dtype] = col("大病保险支付", parse="money", nullable=True)
    civil_medical_fen: Series[pd.Int64Dtype] = col(
        "医疗救助支付", "民政医疗救助", parse="money", nullable=True
    )
    other_fen: Series[pd.Int64Dtype] = col(
        "其他补充支付", "互助保障支付", parse="money", nullable=True
    )
    self_paid_fen: Series[pd.Int64Dtype] = col(
        "个人自付", "个人负担", "合规自付", parse="money", key=True
    )


class FundLedger(InputModel):
    """资金收支: money in and out other than aid, and the year-end declarations."""

    source: Series[str] = col("资金来源", key=True)
    fund_year: Series[pd.Int64Dtype] = col(
        "资金年度", parse="int", in_range={"min_value": 1990, "max_value": 2100}
    )
    category: Series[str] = col("收支类别", "类别", key=True, isin=list(LEDGER_CATEGORIES))
    amount_fen: Series[pd.Int64Dtype] = col("金额", parse="money", ge=0)
    booked_on: Series[pd.Timestamp] = col("到账日期", "日期", parse="date")
    document_no: Series[str] = col("文号", "批复文号", nullable=True)
    note: Series[str] | None = col("备注", nullable=True)

    @pa.dataframe_check(name="金额", error="金额应大于 0（只有账面余额可以为 0）")
    def positive_flows(cls, df: pd.DataFrame) -> pd.Series:
        """The category gives the direction, so a flow is positive; a book balance may be nil."""
        return (df["收支类别"] == "账面余额") | (df["金额"] > 0)


class DibaoStandard(InputModel):
    """参数·低保标准: the monthly 低保 standard per region from its effective date."""

    region_code: Series[str] = col("行政区划代码", key=True, str_matches=r"^\d{6}$")
    region_name: Series[str] = col("地区名称", nullable=True)
    effective_on: Series[pd.Timestamp] = col("执行日期", parse="date", key=True)
    monthly_fen: Series[pd.Int64Dtype] = col("月标准", parse="money", key=True, gt=0)


class FundSource(InputModel):
    """参数·资金来源: each source's canonical name, aliases and rules of use."""

    source: Series[str] = col("资金来源", key=True)
    short_names: Series[str] = col("简称", nullable=True)
    nature: Series[str] = col("性质", key=True, isin=["财政", "工会经费"])
    deadline: Series[str] = col(
        "使用期限", key=True, nullable=True, str_matches=r"^(当年|次年)\d{2}-\d{2}$"
    )
    allowed_aid_types: Series[str] = col("允许救助类型", nullable=True)
    filed_only: Series[str] = col("限建档对象", nullable=True)
    may_carry_over: Series[str] = col("可结转", key=True, synonyms=YES_NO_WORDS, isin=list(YES_NO))


class AidStandard(InputModel):
    """参数·救助标准: the named limits (months, ratio, cap, working days)."""

    item: Series[str] = col("项目", key=True)
    value: Series[Any] = col("数值", parse="decimal", key=True)


class AnnualTarget(InputModel):
    """参数·年度目标: targets and grade thresholds per year and aid type."""

    year: Series[pd.Int64Dtype] = col("年度", parse="int", key=True)
    aid_type: Series[str] = col("救助类型", key=True, isin=list(AID_TYPES))
    target_persons: Series[pd.Int64Dtype] = col("目标人数", parse="int", key=True, nullable=True)
    target_times: Series[pd.Int64Dtype] = col("目标人次", parse="int", nullable=True)
    target_amount_fen: Series[pd.Int64Dtype] = col("目标金额", parse="money", nullable=True)
    grade_excellent: Series[pd.Int64Dtype] = col("优", parse="int", nullable=True)
    grade_good: Series[pd.Int64Dtype] = col("良", parse="int", nullable=True)
    grade_fair: Series[pd.Int64Dtype] = col("中", parse="int", nullable=True)


class Holiday(InputModel):
    """参数·节假日: statutory holidays and 调休 working days, for years chinesecalendar does not
    know (or to correct one it does): a year listed here replaces its built-in calendar."""

    day: Series[pd.Timestamp] = col("日期", parse="date", key=True)
    day_type: Series[str] = col("类型", key=True, synonyms=DAY_TYPE_WORDS, isin=list(DAY_TYPES))
    note: Series[str] | None = col("说明", nullable=True)
