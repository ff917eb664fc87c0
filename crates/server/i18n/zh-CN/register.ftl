# 逐条登记案件、亲属或被找到的儿童的表单（register.html、register.rs）。

register-title = 登记
register-heading = 逐条登记
# “批量登记：请使用<a>导入页面</a>上传文件。”
register-many-before = 批量登记：请使用
register-many-link = 导入页面
register-many-after = 上传文件。
register-needed = 带 * 的项目为必填。
register-refused = 未登记：{ $why }
register-submit = 登记
register-unknown-form = 未知的表单

register-form-cases = 失踪儿童
register-form-references = 提供DNA的亲属
register-form-found = 被找到的儿童

register-case-id = 案件编号
register-child-name = 儿童姓名
register-sex = 性别
register-born-from = 出生日期（最早）
register-born-to = 出生日期（最晚，已知时同上）
register-missing-date = 失踪日期
register-missing-place = 失踪地点
register-lat = 纬度
register-lon = 经度
register-case-description = 特征描述
register-sample-name = 样本名称（与实验室一致）
register-relationship = 与失踪儿童的关系
register-person-name = 姓名
register-found-id = 儿童编号
register-age-min = 估计年龄下限（天）
register-age-max = 估计年龄上限（天）
register-found-date = 被找到日期
register-found-place = 被找到地点
register-institution = 照料机构
register-description = 特征描述

# 修改已登记的内容（同样的表单，已填好）。
register-edit-case = 修改案件 { $id }
register-edit-found = 修改被找到的儿童 { $id }
register-edit-reference = 修改案件 { $id } 的亲属 { $sample }
register-edit-back = ← 不保存，返回
register-edit-fixed = 编号和样本名称在此不能修改。
register-edit-refused = 未保存：{ $why }
register-save = 保存修改
register-edit-incomplete = 表单缺少字段 { $field }：请重新打开修改页面
