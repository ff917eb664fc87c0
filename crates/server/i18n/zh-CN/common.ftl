# 版式、分页、错误页、登录、首页、审计日志和公开寻人启事。

common-nav-dashboard = 首页
common-nav-search = 搜索
common-nav-register = 登记
common-nav-leads = 父系线索
common-nav-import = 导入
common-nav-audit = 审计
common-nav-alerts = 寻人启事
common-nav-login = 登录
common-nav-logout = 退出
common-nav-language = 语言

common-pager-shown = 共 { $total } 条，显示 { $shown } 条
common-pager-previous = ← 上一页
common-pager-next = 下一页 →

common-back-previous = 返回上一页
common-back-dashboard = 返回首页
common-back-login = 登录
common-too-large = 请求内容过大：此处最多 { $bytes } 字节

common-login-title = 登录
common-login-username = 用户名
common-login-password = 密码
common-login-button = 登录

common-dashboard-title = 首页
common-family-heading = 您的案件
common-family-case = 案件 { $id }：
common-family-contact = 有消息时，个案工作者会联系您。
common-candidates-heading = 待审核的候选匹配
common-none = 无。
common-col-candidate = 候选
common-col-found = 被找到的儿童
common-col-case = 案件
common-col-lr = 似然比
common-col-markers = 基因座
common-col-category = 类别
common-col-status = 状态
common-cases = 寻亲案件
common-found = 被找到的儿童

common-audit-title = 审计
common-audit-heading = 审计日志（最新在前）
common-audit-when = 时间
common-audit-who = 操作人
common-audit-what = 操作
common-audit-on = 对象
common-audit-detail = 详情

common-alerts-title = 失踪儿童
common-alerts-heading = 失踪儿童
common-alerts-contact = 如果您见过这些儿童中的任何一位，请联系警方。
common-alerts-none = 暂无寻人启事。
common-alerts-case = 案件 { $id }
common-alerts-born = 出生 { $date }
common-alerts-missing-since = 失踪日期 { $date }

# 标签之后："状态：新"。
common-colon = ：
