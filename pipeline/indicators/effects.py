"""一级指标 效益: its 三级指标 in the order of the seed-000 table (``INDICATORS``)."""

from __future__ import annotations

from pipeline.indicators.common import EFFECT, SURVEY_NOTE, manual

SUSTAINABILITY = "建立健全常态化帮扶机制，持续关心关爱脱困职工"
BENEFIT = "随机抽取受助困难职工询问困难是否得到缓解，按满意度评分"
SATISFACTION = "问卷、电话调查社会各方对困难职工帮扶民生工程的知晓度，按知晓率评分"


INDICATORS = (
    manual(
        EFFECT, "项目效益", "可持续影响", lambda w: w.sustainability, SUSTAINABILITY, SURVEY_NOTE
    ),
    manual(EFFECT, "项目效益", "帮扶效益", lambda w: w.benefit, BENEFIT, SURVEY_NOTE),
    manual(EFFECT, "项目效益", "社会满意度", lambda w: w.satisfaction, SATISFACTION, SURVEY_NOTE),
)
