# found: zh-CN
# 被找到的儿童页面（templates/found.html）。

found-title = 被找到的儿童 { $id }
found-heading = 被找到的儿童 { $id }
found-status = 状态
found-sample = 样本 { $sample }
found-typed = DNA已检测
found-not-typed = DNA尚未检测
found-sex = 性别
found-age = 估计年龄
found-found-on = 被找到日期
found-place = 地点
found-institution = 机构
found-description = 描述
found-candidates = 候选匹配
found-none = 无。
found-case = 案件

found-edit = 修改资料
