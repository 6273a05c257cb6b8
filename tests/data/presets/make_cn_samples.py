"""Writes the Chinese platform sample exports of this folder (run once; the files are committed).

The layouts follow the platforms' documented export columns (淘宝/天猫 订单报表 and 宝贝报表, 生意参谋
交易概况 / 店铺来源 / 商品排行); every value is invented: no real seller, buyer or address.
Numbers are written as the exports write them ("1,234", "¥88.00", "3.65%"); the 合计 rows and the
report's own 支付转化率 / 客单价 are computed here from the invented counts with the report's rounding.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent
CENT = Decimal("0.01")


def money(x: Decimal, symbol: str = "¥") -> str:
    return f"{symbol}{x.quantize(CENT, ROUND_HALF_UP):,}"


def pct(num: int, den: int) -> str:
    r = Decimal(0) if den == 0 else Decimal(num) * 100 / Decimal(den)
    return f"{r.quantize(CENT, ROUND_HALF_UP)}%"


def aov(amount: Decimal, buyers: int) -> str:
    return money(Decimal(0) if buyers == 0 else amount / buyers)


def write(name: str, titles: list[str], header: list[str], rows: list[list[str]], encoding: str) -> None:
    """GBK has no ¥ (U+00A5): GBK exports write the full-width ￥, as the platform's do."""
    if encoding == "gbk":
        rows = [[c.replace("¥", "￥") for c in r] for r in rows]
    out = io.StringIO()
    for t in titles:
        out.write(t + "\r\n")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    (HERE / name).write_bytes(out.getvalue().encode(encoding))


def trade() -> None:
    # date, visitors, pv, cart users, buyers, amount, sub-orders; 03-05 is an empty report day
    days = [("2024-03-01", 1234, 3456, 210, 45, Decimal("4050.00"), 48),
            ("2024-03-02", 1180, 3302, 198, 41, Decimal("3772.50"), 43),
            ("2024-03-03", 1402, 4010, 251, 57, Decimal("5301.30"), 61),
            ("2024-03-04", 998, 2750, 160, 30, Decimal("2610.00"), 30),
            ("2024-03-05", 0, 0, 0, 0, Decimal("0.00"), 0),
            ("2024-03-06", 1511, 4420, 280, 66, Decimal("6204.00"), 70),
            ("2024-03-07", 1322, 3981, 233, 50, Decimal("4725.80"), 52)]
    header = "统计日期,访客数,浏览量,加购人数,支付买家数,支付金额,支付子订单数,支付转化率,客单价".split(",")
    rows = [[d, f"{v:,}", f"{pv:,}", str(c), str(b), money(a), str(o), pct(b, v), aov(a, b)]
            for d, v, pv, c, b, a, o in days]
    tv, tpv, tc, tb, ta, to = (sum(x[i] for x in days) for i in range(1, 7))
    rows.append(["合计", f"{tv:,}", f"{tpv:,}", str(tc), str(tb), money(ta), str(to), pct(tb, tv), aov(ta, tb)])
    write("sycm_trade_day.csv", ["生意参谋 交易概况 示例旗舰店", "统计时间：2024-03-01 ~ 2024-03-07", ""],
          header, rows, "utf-8-sig")
    weeks = [("2024-03-04~2024-03-10", 7001, 19880, 1290, 298, Decimal("27940.60"), 315),
             ("2024-03-11~2024-03-17", 6620, 18002, 1188, 270, Decimal("25110.00"), 281)]
    rows = [[d, f"{v:,}", f"{pv:,}", str(c), str(b), money(a), str(o), pct(b, v), aov(a, b)]
            for d, v, pv, c, b, a, o in weeks]
    write("sycm_trade_week_gbk.csv", ["生意参谋 交易概况（自然周）", "统计时间：2024-03-04 ~ 2024-03-17"],
          header, rows, "gbk")


def traffic() -> None:
    # date, device, source, visitors, pv, cart users, buyers, amount
    lines = [
        ("2024-03-01", "无线", "手淘搜索", 520, 1410, 90, 20, Decimal("1800.00")),
        ("2024-03-01", "无线", "直通车", 210, 600, 35, 8, Decimal("760.00")),
        ("2024-03-01", "无线", "手淘推荐", 180, 420, 20, 4, Decimal("355.20")),
        ("2024-03-01", "无线", "猜你喜欢", 95, 201, 9, 2, Decimal("170.00")),
        ("2024-03-01", "无线", "淘宝客", 60, 130, 8, 3, Decimal("249.90")),
        ("2024-03-01", "无线", "超级推荐", 44, 90, 5, 1, Decimal("88.00")),
        ("2024-03-01", "无线", "引力魔方", 38, 77, 3, 1, Decimal("99.00")),
        ("2024-03-01", "无线", "淘宝直播", 70, 260, 14, 3, Decimal("297.00")),
        ("2024-03-01", "无线", "逛逛", 25, 51, 2, 0, Decimal("0.00")),
        ("2024-03-01", "无线", "购物车", 88, 240, 30, 6, Decimal("540.30")),
        ("2024-03-01", "无线", "淘内免费其他", 31, 60, 2, 1, Decimal("58.00")),
        ("2024-03-01", "PC", "直通车", 40, 130, 6, 2, Decimal("198.00")),
        ("2024-03-01", "PC", "淘宝搜索", 33, 90, 4, 1, Decimal("88.00")),
        ("2024-03-02", "无线", "手淘搜索", 498, 1320, 85, 18, Decimal("1656.00")),
        ("2024-03-02", "无线", "直通车", 230, 650, 40, 9, Decimal("810.00")),
        ("2024-03-02", "无线", "手淘推荐", 172, 399, 18, 3, Decimal("270.00")),
        ("2024-03-02", "无线", "淘宝客", 0, 0, 0, 0, Decimal("0.00")),
        ("2024-03-02", "PC", "直通车", 37, 120, 5, 2, Decimal("176.00")),
    ]
    header = "统计日期,终端,流量来源,来源明细,访客数,浏览量,加购人数,支付买家数,支付金额,支付转化率".split(",")
    rows = [[d, dev, s, "-", f"{v:,}", f"{pv:,}", str(c), str(b), money(a), pct(b, v)]
            for d, dev, s, v, pv, c, b, a in lines]
    tv, tpv, tc, tb, ta = (sum(x[i] for x in lines) for i in range(3, 8))
    rows.append(["合计", "", "", "", f"{tv:,}", f"{tpv:,}", str(tc), str(tb), money(ta), pct(tb, tv)])
    write("sycm_traffic_gbk.csv", ["生意参谋 流量 店铺来源", "统计时间：2024-03-01 ~ 2024-03-02", "终端：所有终端"],
          header, rows, "gbk")


def products() -> None:
    # date, id (as exported), name, state, visitors, pv, cart users, buyers, units, amount
    lines = [
        ("2024-03-01", '="612345678901"', "示例保湿面霜 50ml", "当前在线", 640, 1510, 96, 25, 27, Decimal("2646.00")),
        ("2024-03-01", "612345678902", "示例洁面乳 120g", "当前在线", 402, 900, 51, 14, 15, Decimal("1035.00")),
        ("2024-03-01", "612345678903", "示例防晒霜 SPF50", "当前在线", 188, 380, 20, 6, 6, Decimal("369.00")),
        ("2024-03-02", '="612345678901"', "示例保湿面霜 50ml", "当前在线", 611, 1444, 90, 22, 22, Decimal("2156.00")),
        ("2024-03-02", "612345678902", "示例洁面乳 120g", "当前在线", 380, 870, 47, 12, 13, Decimal("897.00")),
        ("2024-03-02", "612345678903", "示例防晒霜 SPF50", "已下架", 0, 0, 0, 0, 0, Decimal("0.00")),
    ]
    header = ("统计日期,商品ID,商品名称,商品状态,商品访客数,商品浏览量,商品加购人数,支付买家数,支付件数,支付金额,"
              "商品支付转化率").split(",")
    rows = [[d, i, n, s, f"{v:,}", f"{pv:,}", str(c), str(b), str(u), money(a), pct(b, v)]
            for d, i, n, s, v, pv, c, b, u, a in lines]
    tv, tpv, tc, tb, tu, ta = (sum(x[i] for x in lines) for i in range(4, 10))
    rows.append(["合计", "", "", "", f"{tv:,}", f"{tpv:,}", str(tc), str(tb), str(tu), money(ta), pct(tb, tv)])
    write("sycm_products_day.csv", ["生意参谋 品类 商品排行", "统计时间：2024-03-01 ~ 2024-03-02"], header, rows,
          "utf-8-sig")


ORDER_HEADER = ("订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,"
                "买家实际支付金额,"
                "买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,联系手机,订单创建时间,订单付款时间,"
                "宝贝标题,宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,"
                "发票抬头,是否手机订单,退款金额").split(",")
# id, buyer, goods, postage, total, actual, status, created, paid, title, units, refund, close reason
ORDERS = [
    ("3801234567890123451", "t**1", "198.00", "0.00", "198.00", "188.00", "交易成功", "2024-03-01 09:12:03",
     "2024-03-01 09:13:10", "示例保湿面霜 50ml", 2, "", ""),
    ("3801234567890123452", "b**2", "69.00", "8.00", "77.00", "77.00", "交易成功", "2024-03-01 10:40:00",
     "2024-03-01 10:41:22", "示例洁面乳 120g", 1, "", ""),
    ("3801234567890123453", "c**3", "1,299.00", "0.00", "1,299.00", "1,249.00", "买家已付款，等待卖家发货",
     "2024-03-01 21:05:45", "2024-03-01 21:06:01", "示例礼盒套装", 1, "", ""),
    ("3801234567890123454", "t**1", "61.50", "0.00", "61.50", "61.50", "卖家已发货，等待买家确认",
     "2024-03-02 08:00:09", "2024-03-02 08:01:00", "示例防晒霜 SPF50", 1, "", ""),
    ("3801234567890123455", "d**4", "99.00", "0.00", "99.00", "0.00", "等待买家付款", "2024-03-02 11:30:00", "",
     "示例保湿面霜 50ml", 1, "", ""),
    ("3801234567890123456", "e**5", "138.00", "0.00", "138.00", "0.00", "交易关闭", "2024-03-02 12:00:00", "",
     "示例洁面乳 120g", 2, "", "买家未付款"),
    ("3801234567890123457", "f**6", "99.00", "10.00", "109.00", "109.00", "交易关闭", "2024-03-02 15:22:10",
     "2024-03-02 15:23:00", "示例保湿面霜 50ml", 1, "109.00", "退款"),
    ("3801234567890123458", "g**7", "138.00", "0.00", "138.00", "128.00", "交易成功", "2024-03-03 19:45:30",
     "2024-03-03 19:46:02", "示例洁面乳 120g", 2, "69.00", ""),
]
ITEMS = [  # order id, title, price, quantity, outer id, attributes, sku code
    ("3801234567890123451", "示例保湿面霜 50ml", "99.00", 2, "", "规格:50ml", "SKU-CREAM-50"),
    ("3801234567890123452", "示例洁面乳 120g", "69.00", 1, "", "规格:120g", "SKU-CLEANSER"),
    ("3801234567890123453", "示例保湿面霜 50ml", "99.00", 1, "", "规格:50ml", "SKU-CREAM-50"),
    ("3801234567890123453", "示例礼盒套装", "1,200.00", 1, "GIFT-01", "", ""),
    ("3801234567890123454", "示例防晒霜 SPF50", "61.50", 1, "", "", "SKU-SUN-50"),
    ("3801234567890123455", "示例保湿面霜 50ml", "99.00", 1, "", "规格:50ml", "SKU-CREAM-50"),
    ("3801234567890123456", "示例洁面乳 120g", "69.00", 2, "", "规格:120g", "SKU-CLEANSER"),
    ("3801234567890123457", "示例保湿面霜 50ml", "99.00", 1, "", "规格:50ml", "SKU-CREAM-50"),
    ("3801234567890123458", "示例洁面乳 120g", "69.00", 2, "", "规格:120g", "SKU-CLEANSER"),
]


def tmall() -> None:
    rows = []
    for n, order in enumerate(ORDERS):
        oid, buyer, goods, post, total, actual, status, created, paid, title, units, refund, why = order
        shown = f'="{oid}"' if n == 2 else oid  # one id written Excel-safe, as some exports do
        rows.append([shown, buyer, "a**@example.com", goods, post, "0", total, "0", actual, "0", status, "",
                     "张*", "浙江省 杭州市 西湖区 示例路1号", "快递", "", "138****0000", created, paid, title, "1", "",
                     "", "", str(units), "100000001", "示例旗舰店", why, "0", "0", "", "手机订单", refund])
    write("tmall_orders_gbk.csv", [], ORDER_HEADER, rows, "gbk")
    header = "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码".split(",")
    status = {o[0]: o[6] for o in ORDERS}
    items = [[oid, t, p, str(q), outer, attr, "", "", status[oid], code]
             for oid, t, p, q, outer, attr, code in ITEMS]
    write("tmall_items.csv", [], header, items, "utf-8-sig")


if __name__ == "__main__":
    trade()
    traffic()
    products()
    tmall()
