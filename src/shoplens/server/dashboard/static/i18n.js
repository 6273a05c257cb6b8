// Every label of the dashboard in zh-CN and English. Metric and dimension names come from the API's catalog
// (name_zh / name_en); channel, device, category and event values have names here, countries from Intl.DisplayNames.
import { state } from "./state.js";

let current = "zh";

export function lang() { return current; }
export function htmlLang() { return current === "zh" ? "zh-CN" : "en"; }
export function setLang(value) {
  current = value === "en" ? "en" : "zh";
  document.documentElement.lang = htmlLang();
  try { localStorage.setItem("shoplens.lang", current); } catch { /* private mode */ }
}
export function initialLang() {
  try {
    const saved = localStorage.getItem("shoplens.lang");
    if (saved === "zh" || saved === "en") return saved;
  } catch { /* private mode */ }
  return (navigator.language || "zh").toLowerCase().startsWith("en") ? "en" : "zh";
}

// key: [zh, en]
const TEXT = {
  "app.title": ["shoplens 运营分析", "shoplens analytics"],
  "login.subtitle": ["跨境电商精细化运营分析", "Operations analytics for cross-border e-commerce"],
  "login.username": ["用户名", "User name"],
  "login.password": ["密码", "Password"],
  "login.submit": ["登录", "Log in"],
  "login.busy": ["正在登录…", "Logging in…"],
  "login.other": ["English", "中文"],
  "logout": ["退出登录", "Log out"],
  "lang.toggle": ["English", "中文"],
  "lang.toggleTitle": ["切换到英文", "Switch to Chinese"],
  "page.overview": ["概览", "Overview"],
  "page.traffic": ["流量", "Traffic"],
  "page.conversion": ["转化", "Conversion"],
  "page.users": ["用户", "Users"],
  "page.products": ["商品", "Products"],
  "page.service": ["服务物流", "Service & logistics"],
  "page.alerts": ["告警", "Alerts"],
  "ctl.store": ["店铺", "Store"],
  "ctl.from": ["开始日期", "From"],
  "ctl.to": ["结束日期", "To"],
  "ctl.compare": ["对比", "Compare"],
  "cmp.previous": ["环比（上一周期）", "Previous period"],
  "cmp.yoy": ["同比（去年同期）", "Same period last year"],
  "cmp.none": ["不对比", "No comparison"],
  "cmp.short.previous": ["环比", "vs prev."],
  "cmp.short.yoy": ["同比", "YoY"],
  "ctl.filters": ["筛选", "Filters"],
  "ctl.addFilter": ["添加筛选", "Add filter"],
  "ctl.noFilters": ["无筛选：全部数据", "No filters: all data"],
  "ctl.clearFilters": ["清除全部", "Clear all"],
  "ctl.removeFilter": ["移除筛选 {name}", "Remove filter {name}"],
  "us.shared": ["所有账号可见", "all logins"],
  "us.sharedTip": ["共享人群：所有账号可用，只有可查看全部店铺的账号能修改", "Shared: every login may use it; only a login of every store may change it"],
  "us.ownStores": ["店铺 {stores}", "stores {stores}"],
  "us.storesTip": ["只有可查看这些店铺的账号能看到和修改", "Only logins of these stores see and change it"],
  "us.visibleTo": ["可见范围", "Visible to"],
  "ctl.anyOf": ["同一维度的多个值：满足其一即可", "several values of one dimension: any of them"],
  "ctl.pickValue": ["选择取值…", "Pick a value…"],
  "ctl.apply": ["应用", "Apply"],
  "ctl.cancel": ["取消", "Cancel"],
  "ctl.range": ["数据范围 {min} – {max}", "Data {min} – {max}"],
  "ctl.badRange": ["开始日期晚于结束日期", "The start date is after the end date"],
  "ctl.lastDays": ["近{n}天", "Last {n} d"],
  "ctl.drill": ["点击按此筛选", "Click to filter by this"],
  "ctl.typeValue": ["或输入取值", "or type a value"],
  "ctl.valueCounts": ["括号内为所选日期内含该取值的行数（事件、订单等）", "In brackets: rows with the value in the selected dates (events, orders, …)"],
  loading: ["加载中…", "Loading…"],
  "col.date": ["日期", "Date"],
  "error.unknown": ["出错了", "Something went wrong"],
  "export.csv": ["导出 CSV", "Export CSV"],
  "export.png": ["PNG", "PNG"],
  "empty.rows": ["该条件下没有数据", "No data for these settings"],
  "empty.filtered": ["所选日期内没有符合这些筛选条件的数据", "No data matches these filters in the selected dates"],
  "empty.events": ["该时间段没有行为数据。请导入事件数据：shoplens import events events.csv --store {store}（或 POST /api/v1/imports）",
    "No behaviour events in this range. Import events: shoplens import events events.csv --store {store} (or POST /api/v1/imports)"],
  "empty.orders": ["该时间段没有订单。请导入订单：shoplens import orders orders.csv --store {store}",
    "No orders in this range. Import orders: shoplens import orders orders.csv --store {store}"],
  "empty.products": ["没有商品或库存数据。请导入 products 与 inventory_snapshots 表（shoplens import products products.csv --store {store}）",
    "No products or inventory. Import the products and inventory_snapshots tables (shoplens import products products.csv --store {store})"],
  "empty.service": ["没有评价或客服工单。请导入 reviews 与 service_tickets 表", "No reviews or service tickets. Import the reviews and service_tickets tables"],
  "empty.shipments": ["没有物流数据。请导入 shipments 表（shoplens import shipments shipments.csv --store {store}）",
    "No shipments. Import the shipments table (shoplens import shipments shipments.csv --store {store})"],
  "empty.ads": ["没有推广花费。导入 ad_spend 表后可看到花费与 ROI", "No ad spend. Import the ad_spend table to see spend and ROI"],
  "empty.range": ["所选日期内没有数据。该店铺的数据范围是 {min} – {max}，请调整日期", "No data in the selected dates. This store has data from {min} to {max}; change the dates"],
  "empty.store": ["该账号还没有可查看的店铺。请导入数据（shoplens import …）或请管理员授权",
    "This login sees no store yet. Import data (shoplens import …) or ask an admin for access"],
  "empty.segments": ["还没有保存的人群。可在下方用规则创建，或：shoplens segment save NAME --rule \"orders>=2\"",
    "No saved segments yet. Create one below or: shoplens segment save NAME --rule \"orders>=2\""],
  "empty.retention": ["该时间段没有首购用户，无法计算留存。请导入订单或事件数据", "No first purchases in this range, so no cohorts. Import orders or events"],
  "empty.rfm": ["截至该日期没有已支付订单，无法做 RFM 分层。请导入订单", "No paid orders up to this date, so no RFM tiers. Import orders"],
  "note.skipped": ["以下指标不支持当前筛选，未显示：{list}", "Not shown (cannot be cut by the current filters): {list}"],
  "note.ignored": ["行为分析不支持按 {list} 筛选，已忽略", "Behaviour analyses cannot filter by {list}; ignored here"],
  "na.filter": ["该指标不支持当前筛选", "This metric cannot be cut by the current filters"],
  // overview
  "ov.kpis": ["核心指标", "Key metrics"],
  "ov.trend": ["趋势", "Trend"],
  "ov.trendSub": ["按日，虚线为对比周期；圆点为异常日（红色为不利变动），点击某日查看原因", "Daily; dashed line = comparison period; dots = anomalous days (red: a bad move); click a day for why"],
  "ov.target": ["目标 {target} · 达成 {att}", "Target {target} · {att} attained"],
  "ov.benchmark": ["行业基准 {v}", "Benchmark {v}"],
  "ov.anomaly": ["异常 {n} 天", "anomalous days: {n}"],
  "ov.anomalyTip": ["超出按历史同星期几学得区间的日期：{days}", "Days outside the band learned from the same weekdays before: {days}"],
  // anomalies (GET /api/v1/anomalies)
  "an.title": ["异常日", "Anomalous days"],
  "an.sub": ["本期内不利的异常（按严重程度），大促期间不判断", "Bad anomalies in the range (worst first); promotion days are not judged"],
  "an.none": ["本期没有不利的异常", "No bad anomalies in this range"],
  "an.filtered": ["异常检测只支持整店或单个筛选值，当前筛选下不标注异常日", "Anomalies are judged for the whole store or one filter value; none marked under these filters"],
  "an.sev.high": ["高", "high"],
  "an.sev.medium": ["中", "medium"],
  "an.sev.low": ["低", "low"],
  "an.bad": ["不利变动", "bad move"],
  "an.tip": ["实际 {value} · 预期 {expected} · 区间 {lower} – {upper}", "Value {value} · expected {expected} · band {lower} – {upper}"],
  "an.short": ["实际 {value}，预期 {expected}", "{value}, expected {expected}"],
  // root cause (GET /api/v1/why)
  "why.button": ["为什么？", "why?"],
  "why.title": ["原因分析", "Why did it move?"],
  "why.cardTip": ["本期相对上一周期变化的原因", "Why it changed over the selected range against the previous period"],
  "why.clickPoint": ["点击查看该日变化原因（对比上周同日）", "Click: why this day moved (vs the same weekday a week earlier)"],
  "why.day": ["{day}，对比上周同日", "{day} vs the same weekday a week earlier"],
  "why.range": ["{from} 至 {to}，对比上一周期", "{from} to {to} vs the previous period"],
  "why.close": ["关闭", "Close"],
  "why.wholeStore": ["原因分析按整店计算，不含当前筛选", "The root cause is for the whole store; the filters do not apply"],
  "why.reference": ["对比期 {from} 至 {to}：{before} → {now}（{change}）", "Reference {from} to {to}: {before} → {now} ({change})"],
  "why.factors": ["因子拆解", "Factors"],
  "why.noFactors": ["该指标没有因子拆解（只有 GMV 可拆为访客 × 转化 × 客单）", "No factor split for this metric (GMV splits into visitors × conversion × AOV)"],
  "why.ordersPerBuyer": ["人均订单数", "Orders per buyer"],
  "why.buyersPerCartBuyer": ["支付买家 / 加购支付买家", "Buyers per cart buyer"],
  "why.before": ["对比期", "Before"],
  "why.now": ["本期", "Now"],
  "why.values": ["维度贡献", "Dimension values"],
  "why.noDims": ["该指标不能按维度拆分", "This metric is not split by dimensions"],
  "why.dimension": ["维度", "Dimension"],
  "why.power": ["解释力 {p}", "explains {p}"],
  "why.value": ["取值", "Value"],
  "why.contribution": ["贡献", "Contribution"],
  "why.share": ["占变化", "Share of change"],
  "why.unattributed": ["（未归属）", "(unattributed)"],
  "why.explainsNote": ["★ 共同解释了大部分变化的取值", "★ the values that together explain most of the change"],
  "why.span": ["{from} 至 {to}", "{from} to {to}"],
  // alerts (GET /api/v1/alerts, pages/alerts.js and the overview's card)
  "al.title": ["告警列表", "Alerts"],
  "al.sub": ["规则触发的告警（按日期从新到旧）；点击“为什么？”查看原因", "Alerts the rules raised (newest day first); \"why?\" shows the root cause"],
  "al.statusFilter": ["状态", "Status"],
  "al.severityFilter": ["严重程度", "Severity"],
  "al.status.open": ["待处理", "Open"],
  "al.status.acknowledged": ["已确认", "Acknowledged"],
  "al.status.resolved": ["已解决", "Resolved"],
  "al.status.all": ["全部状态", "All statuses"],
  "al.severity.all": ["全部级别", "All severities"],
  "al.severity.high": ["高", "High"],
  "al.severity.medium": ["中", "Medium"],
  "al.severity.low": ["低", "Low"],
  "al.allDays": ["全部日期（不限上方日期范围）", "All days (not only the dates above)"],
  "al.noFilters": ["告警不按上方筛选条件过滤", "The filters above do not apply to alerts"],
  "al.count": ["共 {n} 条告警", "{n} alerts"],
  "al.none": ["没有符合条件的告警", "No alerts match"],
  "al.col.severity": ["级别", "Severity"],
  "al.col.rule": ["规则", "Rule"],
  "al.col.metric": ["指标", "Metric"],
  "al.col.scope": ["范围", "Scope"],
  "al.col.day": ["日期", "Day"],
  "al.col.value": ["实际 / 参考", "Value / reference"],
  "al.col.change": ["变化", "Change"],
  "al.col.status": ["状态", "Status"],
  "al.col.actions": ["操作", "Actions"],
  "al.vs": ["{value} / {reference}", "{value} / {reference}"],
  "al.whyTip": ["查看该告警的原因分析", "The root cause of this alert"],
  "al.ack": ["确认", "Acknowledge"],
  "al.resolve": ["解决", "Resolve"],
  "al.note": ["备注", "Note"],
  "al.notePlaceholder": ["备注（可选），记入告警历史", "Note (optional), kept in the alert's history"],
  "al.needsAnalyst": ["需要分析师或管理员角色", "Needs the analyst or admin role"],
  "al.checkDay": ["检查日期", "Check day"],
  "al.check": ["立即检查", "Check now"],
  "al.checkTip": ["按全部启用的规则检查该日并保存触发的告警", "Evaluate every enabled rule for the day and store what fires"],
  "al.checked": ["检查完成：触发 {fired} 条，新增 {fresh} 条", "Checked: {fired} fired, {fresh} new"],
  "al.openTitle": ["待处理告警", "Open alerts"],
  "al.openSub": ["最近告警日 {day}", "Latest alert day {day}"],
  "al.noneChecked": ["尚未检查过告警", "No alert check yet"],
  "al.openCount": ["{n} 条待处理", "{n} open"],
  "al.noneOpen": ["没有待处理的告警", "No open alerts"],
  "al.toPage": ["查看全部告警 →", "All alerts →"],
  // deliveries and schedule (GET /api/v1/deliveries, /schedule: pages/alerts_delivery.js)
  "al.col.delivery": ["推送", "Delivered"],
  "dl.none": ["未推送", "Not sent"],
  "dl.status.sent": ["已发送", "Sent"],
  "dl.status.failed": ["失败", "Failed"],
  "dl.status.skipped_cooldown": ["冷却期跳过", "Skipped (cooldown)"],
  "sch.title": ["定时任务", "Schedule"],
  "sch.running": ["由本服务按时运行", "Run by this server at their times"],
  "sch.notRunning": ["本服务未运行定时任务（--no-schedule）", "This server does not run them (--no-schedule)"],
  "sch.none": ["没有配置定时任务", "No scheduled jobs are configured"],
  "sch.col.job": ["任务", "Job"],
  "sch.col.run": ["执行", "Runs"],
  "sch.col.cron": ["时间（cron）", "When (cron)"],
  "sch.col.next": ["下次运行", "Next run"],
  "sch.col.last": ["上次运行", "Last run"],
  "sch.run.alerts": ["检查并推送告警", "Check and send alerts"],
  "sch.run.alerts_check": ["检查告警", "Check alerts"],
  "sch.run.alerts_send": ["推送告警", "Send alerts"],
  "sch.run.brief": ["推送日报", "Send the daily brief"],
  "sch.run.review": ["推送周复盘", "Send the weekly review"],
  "sch.status.ok": ["成功", "OK"],
  "sch.status.failed": ["失败", "Failed"],
  "sch.disabled": ["已停用", "Disabled"],
  "sch.never": ["尚未运行", "Never ran"],
  "ov.noCompare": ["对比周期无数据", "No data in the comparison period"],
  "ov.current": ["本期", "This period"],
  "ov.compared": ["对比期", "Comparison"],
  "ov.clickCard": ["点击卡片切换趋势指标", "Click a card to chart it"],
  // traffic
  "tr.mix": ["渠道结构（免费/付费）", "Channel mix (free vs paid)"],
  "tr.mixSub": ["同时经免费和付费渠道到访的访客两边都计入，访客占比之和可超过 100%", "A visitor who came both ways counts in both, so visitor shares can add up to more than 100%"],
  "tr.channels": ["渠道明细", "Channels"],
  "tr.channelsSub": ["点击行或柱形按渠道下钻", "Click a row or bar to drill into a channel"],
  "tr.channelChart": ["各渠道访客数", "Visitors by channel"],
  "tr.device": ["设备分布", "Devices"],
  "tr.country": ["国家/市场分布", "Countries / markets"],
  "tr.uvShare": ["访客占比", "Visitor share"],
  "tr.gmvShare": ["GMV 占比", "GMV share"],
  // conversion
  "cv.builder": ["漏斗设置", "Funnel builder"],
  "cv.steps": ["步骤（事件，逗号分隔）", "Steps (events, comma-separated)"],
  "cv.stepsHint": ["例如 product_view,add_to_cart,begin_checkout,purchase；可加条件 add_to_cart[channel=email]",
    "e.g. product_view,add_to_cart,begin_checkout,purchase; conditions like add_to_cart[channel=email]"],
  "cv.window": ["转化窗口", "Window"],
  "cv.mode": ["模式", "Mode"],
  "cv.mode.ordered": ["有序（允许中间事件）", "Ordered (other events between)"],
  "cv.mode.strict": ["严格顺序", "Strict order"],
  "cv.mode.unordered": ["无序", "Any order"],
  "cv.by": ["拆分维度", "Breakdown"],
  "cv.byNone": ["不拆分", "None"],
  "cv.run": ["计算漏斗", "Run funnel"],
  "cv.chart": ["转化漏斗", "Funnel"],
  "cv.table": ["步骤明细", "Steps"],
  "cv.step": ["步骤", "Step"],
  "cv.event": ["事件", "Event"],
  "cv.count": ["人数", "Users"],
  "cv.conversion": ["总转化率", "Conversion"],
  "cv.stepConversion": ["步骤转化率", "Step conversion"],
  "cv.median": ["中位耗时", "Median time"],
  "cv.dropped": ["流失人数", "Dropped"],
  "cv.export": ["流失名单", "Drop-off list"],
  "cv.exportLink": ["导出 CSV", "CSV"],
  "cv.breakdown": ["按 {dim} 拆分", "By {dim}"],
  "cv.entered": ["进入人数", "Entered"],
  "cv.converted": ["完成人数", "Completed"],
  "cv.trend": ["每日转化率", "Daily conversion"],
  "cv.days": ["{n} 天", "{n} days"],
  "cv.hours": ["{n} 小时", "{n} hours"],
  "cv.pickStep": ["添加步骤（括号内为所选日期内的事件数）", "Add a step (events in the selected dates in brackets)"],
  "cv.fixSteps": ["请先修正上面的步骤", "Correct the steps above first"],
  // users
  "us.retention": ["新客复购留存（同期群）", "Repeat purchase retention (cohorts)"],
  "us.retentionSub": ["首次购买的用户在之后各期再次购买的比例；截至 {to} 的最近 {n} 个{unit}", "Share of first-time buyers who buy again in each later period; the last {n} {unit}s up to {to}"],
  "us.period": ["周期", "Period"],
  "us.week": ["周", "week"],
  "us.month": ["月", "month"],
  "us.cohort": ["同期群", "Cohort"],
  "us.size": ["人数", "Size"],
  "us.average": ["加权平均", "Weighted average"],
  "us.incomplete": ["未满周期", "incomplete period"],
  "us.rfm": ["RFM 客户分层", "RFM tiers"],
  "us.rfmSub": ["截至 {as_of}，共 {n} 位已购客户", "As of {as_of}, {n} customers with paid orders"],
  "us.rfmMap": ["分层规模与 GMV 占比", "Tier size and GMV share"],
  "us.tier": ["分层", "Tier"],
  "us.customers": ["客户数", "Customers"],
  "us.share": ["客户占比", "Customer share"],
  "us.gmv": ["GMV", "GMV"],
  "us.gmvShare": ["GMV 占比", "GMV share"],
  "us.recency": ["平均最近购买(天)", "Avg. recency (days)"],
  "us.frequency": ["平均购买次数", "Avg. frequency"],
  "us.monetary": ["平均消费额", "Avg. monetary"],
  "us.customerList": ["名单", "List"],
  "us.segments": ["人群", "Segments"],
  "us.segmentRule": ["规则", "Rule"],
  "us.segmentName": ["名称", "Name"],
  "us.segmentDesc": ["说明", "Description"],
  "us.members": ["成员 CSV", "Members CSV"],
  "us.show": ["查看规模", "Size"],
  "us.size.text": ["{n} 人，占全部用户 {share}", "{n} users, {share} of all users"],
  "us.builder": ["新建人群", "New segment"],
  "us.rulePlaceholder": ["例如 orders>=2 and not did(purchase, last_days=90)", "e.g. orders>=2 and not did(purchase, last_days=90)"],
  "us.preview": ["预览", "Preview"],
  "us.save": ["保存", "Save"],
  "us.saved": ["已保存 {name}", "Saved {name}"],
  "us.readOnly": ["只读账号不能保存人群", "A viewer login cannot save segments"],
  "us.timeline": ["用户轨迹", "User timeline"],
  "us.userId": ["用户 ID", "User id"],
  "us.search": ["查询", "Search"],
  "us.try": ["试试核心客户：", "Try a core customer: "],
  "us.timelineHint": ["输入用户 ID 查看其资料、生命周期与行为/订单记录", "Enter a user id to see the profile, lifecycle and history"],
  "us.items": ["共 {total} 条记录{more}", "{total} records{more}"],
  "us.truncated": ["，仅显示前 {n} 条", ", first {n} shown"],
  // products & service
  "pr.categories": ["类目表现", "Categories"],
  "pr.categoriesSub": ["点击行按类目下钻", "Click a row to drill into a category"],
  "pr.categoryChart": ["各类目 GMV", "GMV by category"],
  "pr.products": ["商品排行（按 GMV 前 50）", "Top products (by GMV, top 50)"],
  "pr.productId": ["商品 ID", "Product id"],
  "pr.productName": ["商品名称", "Product name"],
  "sv.kpis": ["服务与物流指标", "Service and logistics KPIs"],
  "sv.dsr": ["各类目 DSR 评分", "DSR by category"],
  "sv.service": ["各渠道客服与售后", "Service by channel"],
  "sv.carrier": ["承运商表现", "Carriers"],
  "sv.country": ["各国家/市场物流", "Logistics by country"],
  "bench.worse": ["差于行业基准 {v}", "Worse than the benchmark {v}"],
  "none.value": ["（空）", "(none)"],
};

export function t(key, vars = {}) {
  const entry = TEXT[key];
  let text = entry ? entry[current === "zh" ? 0 : 1] : key;
  for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

export function metricName(id) {
  const m = state.catalog.metrics[id];
  return m ? (current === "zh" ? m.name_zh : m.name_en) : id;
}

export function metricDefinition(id) {
  const m = state.catalog.metrics[id];
  return m ? (current === "zh" ? m.definition_zh : m.definition_en) || "" : "";
}

export function dimName(id) {
  const d = state.catalog.dimensions[id];
  return d ? (current === "zh" ? d.zh : d.en) : id;
}

const VALUES = {
  channel: {
    organic_search: ["自然搜索", "Organic search"], paid_search: ["付费搜索", "Paid search"],
    recommendation: ["推荐流量", "Recommendation feed"], social: ["社交媒体", "Social"],
    short_video: ["短视频", "Short video"], live_stream: ["直播", "Live stream"], kol: ["达人/KOL", "KOL / influencer"],
    email: ["邮件营销", "Email"], private_domain: ["私域", "Private domain"], direct: ["直接访问", "Direct"],
    referral: ["外部引荐", "Referral"], marketplace_ads: ["平台广告", "Marketplace ads"], other: ["其他", "Other"],
  },
  channel_type: { free: ["免费流量", "Free"], paid: ["付费流量", "Paid"] },
  device: { mobile: ["手机", "Mobile"], desktop: ["电脑", "Desktop"], tablet: ["平板", "Tablet"], app: ["App", "App"],
    other: ["其他", "Other"] },
  category: {
    baby: ["母婴", "Baby"], fragrance: ["香水", "Fragrance"], health_food: ["健康食品", "Health food"],
    makeup: ["彩妆", "Makeup"], personal_care: ["个人护理", "Personal care"], pet: ["宠物", "Pet"],
    skincare: ["护肤", "Skincare"], supplements: ["保健品", "Supplements"],
  },
  event: {
    page_view: ["浏览页面", "Page view"], product_view: ["浏览商品", "Product view"], search: ["搜索", "Search"],
    add_to_cart: ["加入购物车", "Add to cart"], favorite: ["收藏", "Favorite"],
    begin_checkout: ["提交订单", "Begin checkout"], purchase: ["支付", "Purchase"],
  },
  kind: { event: ["行为", "Event"], order: ["订单", "Order"], shipment: ["物流", "Shipment"], refund: ["退款", "Refund"],
    review: ["评价", "Review"], ticket: ["客服", "Ticket"] },
};

export const KNOWN_EVENTS = Object.keys(VALUES.event);

// A dimension value for people: "paid_search" -> "付费搜索", "US" -> "美国"; unknown values as they are.
export function valueName(dim, value) {
  if (value === null || value === undefined || value === "") return t("none.value");
  const names = VALUES[dim] && VALUES[dim][value];
  if (names) return names[current === "zh" ? 0 : 1];
  if ((dim === "country" || dim === "market") && /^[A-Z]{2}$/.test(value)) {
    try { return new Intl.DisplayNames([htmlLang()], { type: "region" }).of(value) || value; } catch { return value; }
  }
  return String(value);
}

export function eventName(event) {
  const [base, rest] = String(event).split(/(?=\[)/);
  const names = VALUES.event[base];
  return names ? `${names[current === "zh" ? 0 : 1]}${rest || ""}` : String(event);
}
