"""The platform's answer codes, as Alipay's open API gives them: code/msg and sub_code/sub_msg."""

from __future__ import annotations

from typing import Any

from sandbox.errors import N_, DomainError

SUCCESS = {"code": "10000", "msg": "Success"}
MSGS = {
    "10000": "Success",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
}

# sub_code: (code, sub_msg). sub_msg is a Chinese msgid: API answers carry it in Chinese, as Alipay's
# do; pages show it in the user's language.
SUB_CODES: dict[str, tuple[str, str]] = {
    "isv.missing-app-id": ("40001", N_("缺少AppID参数")),
    "isv.missing-method": ("40001", N_("缺少方法名参数")),
    "isv.missing-signature": ("40001", N_("缺少签名参数")),
    "isv.missing-signature-type": ("40001", N_("缺少签名类型参数")),
    "isv.missing-timestamp": ("40001", N_("缺少时间戳参数")),
    "isv.missing-version": ("40001", N_("缺少版本参数")),
    "isv.missing-signature-config": ("40001", N_("应用未配置对应签名算法的公钥")),
    "isv.invalid-app-id": ("40002", N_("无效的AppID参数")),
    "isv.invalid-method": ("40002", N_("不存在的方法名")),
    "isv.invalid-format": ("40002", N_("无效的数据格式")),
    "isv.invalid-charset": ("40002", N_("字符集错误")),
    "isv.invalid-signature-type": ("40002", N_("无效签名方式")),
    "isv.invalid-signature": ("40002", N_("验签出错")),
    "isv.invalid-timestamp": ("40002", N_("非法的时间戳参数")),
    "isv.invalid-version": ("40002", N_("非法的版本参数")),
    "ACQ.INVALID_PARAMETER": ("40004", N_("参数无效")),
    "ACQ.TOTAL_FEE_EXCEED": ("40004", N_("订单金额超过限额")),
    "ACQ.CONTEXT_INCONSISTENT": ("40004", N_("交易信息被篡改")),
    "ACQ.TRADE_HAS_SUCCESS": ("40004", N_("交易已被支付")),
    "ACQ.TRADE_HAS_CLOSE": ("40004", N_("交易已经关闭")),
    "ACQ.TRADE_HAS_FINISHED": ("40004", N_("交易已完结")),
    "ACQ.TRADE_NOT_EXIST": ("40004", N_("交易不存在")),
    "ACQ.TRADE_STATUS_ERROR": ("40004", N_("交易状态不合法")),
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL": ("40004", N_("退款金额超限")),
    "ACQ.SELLER_BALANCE_NOT_ENOUGH": ("40004", N_("卖家余额不足")),
}


class GatewayError(DomainError):
    """A request the platform refuses, with Alipay's code, msg, sub_code and sub_msg."""

    def __init__(self, sub_code: str, detail: str = "") -> None:
        code, sub_msg = SUB_CODES[sub_code]
        super().__init__(sub_msg)  # pages show the code and the detail beside the translated message
        self.code = code
        self.sub_code = sub_code
        self.sub_msg = sub_msg + (f"：{detail}" if detail else "")
        self.detail = detail

    def answer(self) -> dict[str, Any]:
        """The error as an API answer object."""
        return error_answer(self.sub_code, self.detail)


def error_answer(sub_code: str, detail: str = "") -> dict[str, Any]:
    """An API answer object for a refusal."""
    code, sub_msg = SUB_CODES[sub_code]
    return {
        "code": code,
        "msg": MSGS[code],
        "sub_code": sub_code,
        "sub_msg": sub_msg + (f"：{detail}" if detail else ""),
    }
