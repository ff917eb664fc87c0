# case: zh-CN
# 寻亲案件页面（templates/case.html）。

case-title = 案件 { $id }
case-heading = 案件 { $id }
case-status = 状态
case-public-alert = 已公开寻人启事
case-child = 失踪儿童
case-name = 姓名
case-sex = 性别
case-born = 出生日期
case-missing-since = 失踪日期
case-place = 地点
case-description = 描述
case-family = 家庭
case-sample = 样本
case-relationship = 关系
case-typed = 已检测
case-not-typed = 尚未检测
case-candidates = 候选匹配
case-none = 无。
case-found-child = 被找到的儿童

case-edit = 修改资料
case-edit-reference = 修改
